<?xml version="1.0" encoding="UTF-8"?>
<!-- Reference for ferry's native `sage-success-to-magento-updates` mapping (same output on the same input).
     Zynk success file (Company/SalesOrders/SalesOrder) -> Magento order updates (ArrayOfOrderInfo/OrderInfo).
     Parameter commentTemplate: {SalesOrderNumber}, {Id} and {CustomerOrderNumber} are replaced.
     Not here (native only): filling the ledger with Sage's order numbers. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
  <xsl:param name="commentTemplate" select="'Imported into Sage as sales order {SalesOrderNumber}'"/>

  <xsl:template match="/">
    <ArrayOfOrderInfo>
      <xsl:for-each select="Company/SalesOrders/SalesOrder[normalize-space(CustomerOrderNumber) != '']">
        <OrderInfo>
          <increment_id><xsl:value-of select="normalize-space(CustomerOrderNumber)"/></increment_id>
          <xsl:variable name="comment">
            <xsl:call-template name="replace">
              <xsl:with-param name="text">
                <xsl:call-template name="replace">
                  <xsl:with-param name="text">
                    <xsl:call-template name="replace">
                      <xsl:with-param name="text" select="$commentTemplate"/>
                      <xsl:with-param name="from" select="'{SalesOrderNumber}'"/>
                      <xsl:with-param name="to" select="normalize-space(SalesOrderNumber)"/>
                    </xsl:call-template>
                  </xsl:with-param>
                  <xsl:with-param name="from" select="'{Id}'"/>
                  <xsl:with-param name="to" select="normalize-space(Id)"/>
                </xsl:call-template>
              </xsl:with-param>
              <xsl:with-param name="from" select="'{CustomerOrderNumber}'"/>
              <xsl:with-param name="to" select="normalize-space(CustomerOrderNumber)"/>
            </xsl:call-template>
          </xsl:variable>
          <xsl:if test="$comment != ''"><comment><xsl:value-of select="$comment"/></comment></xsl:if>
        </OrderInfo>
      </xsl:for-each>
    </ArrayOfOrderInfo>
  </xsl:template>

  <xsl:template name="replace">
    <xsl:param name="text"/>
    <xsl:param name="from"/>
    <xsl:param name="to"/>
    <xsl:choose>
      <xsl:when test="contains($text, $from)">
        <xsl:value-of select="concat(substring-before($text, $from), $to)"/>
        <xsl:call-template name="replace">
          <xsl:with-param name="text" select="substring-after($text, $from)"/>
          <xsl:with-param name="from" select="$from"/>
          <xsl:with-param name="to" select="$to"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
