/**
 * A small stylesheet for browsers, served as /universal_parse.xsl (the name
 * every Sandesh page refers to). It renders a module page (`type="rlist"`)
 * as one form per request, and a response as nested tables: a list of
 * structs as a table with a column per field, a field with a `link`
 * attribute as a link to `Snh_<link>?x=<value>` (how Contrail's pages link
 * tables to routes, instances to their pages, and `next_batch` to the next
 * page). Written for this project; it is not Contrail's stylesheet.
 */

export const UNIVERSAL_PARSE_XSL = `<?xml version="1.0" encoding="UTF-8"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="html"/>
<xsl:template match="/">
  <html><head><title><xsl:value-of select="name(*)"/></title>
  <style>table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:2px 4px;vertical-align:top;font:12px monospace}th{background:#eee}</style>
  </head><body><xsl:apply-templates select="*"/></body></html>
</xsl:template>
<xsl:template match="*[@type='rlist']">
  <h1><xsl:value-of select="name()"/></h1>
  <xsl:for-each select="*">
    <form action="Snh_{name()}" method="get"><b><xsl:value-of select="name()"/></b>
      <xsl:for-each select="*"> <xsl:value-of select="name()"/>: <input name="{name()}"/></xsl:for-each>
      <input type="submit" value="Send"/></form>
  </xsl:for-each>
</xsl:template>
<xsl:template match="*[@type='slist']"><xsl:apply-templates select="*"/></xsl:template>
<xsl:template match="*[@type='sandesh']">
  <h2><xsl:value-of select="name()"/></h2>
  <table><xsl:for-each select="*[name()!='more']"><tr><th><xsl:value-of select="name()"/></th><td><xsl:apply-templates select="."/></td></tr></xsl:for-each></table>
</xsl:template>
<xsl:template match="*[@type='struct']"><xsl:apply-templates select="*" mode="struct"/></xsl:template>
<xsl:template match="*" mode="struct">
  <table><xsl:for-each select="*"><tr><th><xsl:value-of select="name()"/></th><td><xsl:apply-templates select="."/></td></tr></xsl:for-each></table>
</xsl:template>
<xsl:template match="*[@type='list']">
  <xsl:choose>
    <xsl:when test="list/@type='struct' and list/*">
      <table><tr><xsl:for-each select="list/*[1]/*"><th><xsl:value-of select="name()"/></th></xsl:for-each></tr>
      <xsl:for-each select="list/*"><tr><xsl:for-each select="*"><td><xsl:apply-templates select="."/></td></xsl:for-each></tr></xsl:for-each></table>
    </xsl:when>
    <xsl:otherwise><xsl:for-each select="list/element"><xsl:value-of select="."/><br/></xsl:for-each></xsl:otherwise>
  </xsl:choose>
</xsl:template>
<xsl:template match="*[@link]">
  <a href="Snh_{@link}?x={.}"><xsl:value-of select="."/></a>
</xsl:template>
<xsl:template match="*"><xsl:value-of select="."/></xsl:template>
</xsl:stylesheet>
`;
