<?xml version="1.0" encoding="UTF-8"?>
<!-- Reference for ferry's native `sage-products-to-magento-inventory` mapping (same output on the same input).
     Zynk stock export (Company/Products/Product) -> Magento inventory (ArrayOfInventory/Inventory).
     Parameters (strings, as ferry passes them):
       stockBasis     'free' (QtyInStock - QtyAllocated) or 'inStock' (QtyInStock)
       publishedOnly  'true' keeps only Publish = true
       negativeStock  'zero' sends 0 / out of stock, 'skip' leaves the product out (Zynk's template: "> -1")
       today          YYYY-MM-DD; products with an InactiveDate on or before it are left out -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
  <xsl:param name="stockBasis" select="'free'"/>
  <xsl:param name="publishedOnly" select="'true'"/>
  <xsl:param name="negativeStock" select="'zero'"/>
  <xsl:param name="today" select="'9999-12-31'"/>

  <xsl:template match="/">
    <ArrayOfInventory>
      <xsl:for-each select="Company/Products/Product[normalize-space(Sku) != '']">
        <xsl:variable name="published" select="normalize-space(Publish) = 'true' or normalize-space(Publish) = '1'"/>
        <xsl:variable name="inactive" select="substring(normalize-space(InactiveDate), 1, 10)"/>
        <xsl:variable name="active"
          select="$inactive = '' or translate($inactive, '-', '') &gt; translate($today, '-', '')"/>
        <xsl:variable name="raw">
          <xsl:choose>
            <xsl:when test="$stockBasis = 'free'">
              <xsl:value-of select="sum(QtyInStock) - sum(QtyAllocated)"/>
            </xsl:when>
            <xsl:otherwise><xsl:value-of select="sum(QtyInStock)"/></xsl:otherwise>
          </xsl:choose>
        </xsl:variable>
        <xsl:if test="($publishedOnly != 'true' or $published) and $active
                      and not($raw &lt; 0 and $negativeStock = 'skip')">
          <xsl:variable name="qty">
            <xsl:choose>
              <xsl:when test="$raw &lt; 0">0</xsl:when>
              <xsl:otherwise><xsl:value-of select="$raw"/></xsl:otherwise>
            </xsl:choose>
          </xsl:variable>
          <Inventory>
            <sku><xsl:value-of select="normalize-space(Sku)"/></sku>
            <qty><xsl:value-of select="format-number($qty, '0.##########')"/></qty>
            <is_in_stock><xsl:value-of select="number($qty &gt; 0)"/></is_in_stock>
          </Inventory>
        </xsl:if>
      </xsl:for-each>
    </ArrayOfInventory>
  </xsl:template>
</xsl:stylesheet>
