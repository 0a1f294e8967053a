<?xml version="1.0" encoding="UTF-8"?>
<!-- Reference for ferry's native `magento-orders-to-sage-orders` mapping: the same sales orders from the same
     Magento order file, for the default settings below (a test checks this on ferry's fixtures).
     Magento "Download Orders" (ArrayOfOrderInfo/OrderInfo) -> Zynk Connect XML (Company/SalesOrders/SalesOrder).

     Start here when customising, then point a stage with task `xslt` at your copy. Native only (add them to
     your copy if you need them): the customer account map, per-currency web accounts, `autoCreate`, Sage 50
     pre-validation and the fail file, `longFields: truncate`, the duplicate-proof ledger, time zones other
     than Europe/London and UTC.

     Amounts: XSLT 1.0 computes in binary floating point; the native mapping in Decimal. Unit discounts are
     rounded to 4 places in both, so they agree on ordinary prices.

     Native only, because XSLT 1.0 cannot express it: the exact reconciliation (docs/mappings.md, "Money").
     It needs penny arithmetic on exact decimals with halves rounded away from zero, over every line of an order
     before the first is written (is Sage's VAT on each net line Magento's VAT?); XSLT 1.0 numbers are binary
     doubles (1.005 is 1.00499..., and round() goes half towards +infinity), so the decision would differ from
     the native one on some orders. This stylesheet always writes net lines (no VatInclusive); the native
     mapping switches an order to gross lines (VatInclusive) when net lines cannot reconcile, and refuses
     unmapped VAT rates and orders that do not reconcile to the penny. The equality test covers the orders the
     native mapping sends net. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>

  <xsl:param name="guestAccountReference" select="'WEBSALES'"/>
  <xsl:param name="bankAccount" select="'1200'"/>
  <xsl:param name="paymentType" select="'SalesReceipt'"/>
  <xsl:param name="takenBy" select="'Magento'"/>
  <!-- 'Europe/London' (UK summer time applied) or 'UTC'. -->
  <xsl:param name="timezone" select="'Europe/London'"/>
  <!-- 'children' or 'bundle'. -->
  <xsl:param name="bundles" select="'children'"/>
  <!-- Tax codes (integers): per destination, and by Magento percent for UK and EU lines. -->
  <xsl:param name="ukTaxCode" select="'1'"/>
  <xsl:param name="euTaxCode" select="'1'"/>
  <xsl:param name="euVatRegisteredTaxCode" select="'4'"/>
  <xsl:param name="restOfWorldTaxCode" select="'0'"/>
  <xsl:param name="homeCountries" select="' GB IM '"/>
  <xsl:param name="euCountries"
    select="' AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE '"/>

  <xsl:variable name="lower" select="'abcdefghijklmnopqrstuvwxyz'"/>
  <xsl:variable name="upper" select="'ABCDEFGHIJKLMNOPQRSTUVWXYZ'"/>

  <xsl:template match="/">
    <Company>
      <!-- An order whose customer has a VAT number brings a Customer record carrying it to the account (the
           schema puts Customers first; a SalesOrder has no VAT number). -->
      <xsl:variable name="vatCustomers" select="ArrayOfOrderInfo/OrderInfo[normalize-space(customer_taxvat) != ''
        or normalize-space(Fields/Field[@Name = 'customer_taxvat']/@Value) != ''
        or normalize-space(billing_address/vat_id) != '' or normalize-space(shipping_address/vat_id) != '']"/>
      <xsl:if test="$vatCustomers">
        <Customers><xsl:apply-templates select="$vatCustomers" mode="customer"/></Customers>
      </xsl:if>
      <SalesOrders>
        <xsl:apply-templates select="ArrayOfOrderInfo/OrderInfo"/>
      </SalesOrders>
    </Company>
  </xsl:template>

  <!-- A field as the native mapping reads it: the element, else <Fields><Field Name=".." Value=".."/>. -->
  <xsl:template name="field">
    <xsl:param name="node" select="."/>
    <xsl:param name="name"/>
    <xsl:choose>
      <xsl:when test="normalize-space($node/*[name() = $name]) != ''">
        <xsl:value-of select="normalize-space($node/*[name() = $name])"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="normalize-space($node/Fields/Field[@Name = $name]/@Value)"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="OrderInfo">
    <xsl:variable name="customerId" select="normalize-space(customer_id)"/>
    <xsl:variable name="guestFlag" select="normalize-space(customer_is_guest)"/>
    <xsl:variable name="registered"
      select="$customerId != '' and not($guestFlag = '1' or $guestFlag = 'true')"/>
    <xsl:variable name="shipping" select="(shipping_address | billing_address)[1]"/>
    <xsl:variable name="country">
      <xsl:choose>
        <xsl:when test="normalize-space(shipping_address/country_id) != ''">
          <xsl:value-of select="translate(normalize-space(shipping_address/country_id), $lower, $upper)"/>
        </xsl:when>
        <xsl:otherwise>
          <xsl:value-of select="translate(normalize-space(billing_address/country_id), $lower, $upper)"/>
        </xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="taxvat">
      <xsl:call-template name="field"><xsl:with-param name="name" select="'customer_taxvat'"/></xsl:call-template>
    </xsl:variable>
    <xsl:variable name="destination">
      <xsl:choose>
        <xsl:when test="$country = '' or contains($homeCountries, concat(' ', $country, ' '))">uk</xsl:when>
        <xsl:when test="not(contains($euCountries, concat(' ', $country, ' ')))">restOfWorld</xsl:when>
        <xsl:when test="$taxvat != '' or normalize-space(shipping_address/vat_id) != ''
                        or normalize-space(billing_address/vat_id) != ''">euVatRegistered</xsl:when>
        <xsl:otherwise>eu</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="email" select="normalize-space(customer_email)"/>

    <SalesOrder>
      <Id><xsl:value-of select="normalize-space((order_id | entity_id)[1])"/></Id>
      <xsl:if test="$registered"><CustomerId><xsl:value-of select="$customerId"/></CustomerId></xsl:if>
      <CustomerOrderNumber><xsl:value-of select="normalize-space(increment_id)"/></CustomerOrderNumber>
      <!-- Notes1-3: the customer's note, the coupon and the gift message, split at Sage's 60 characters. -->
      <xsl:variable name="note">
        <xsl:call-template name="field"><xsl:with-param name="name" select="'customer_note'"/></xsl:call-template>
      </xsl:variable>
      <xsl:variable name="coupon">
        <xsl:call-template name="field"><xsl:with-param name="name" select="'coupon_code'"/></xsl:call-template>
      </xsl:variable>
      <xsl:variable name="gift"
        select="normalize-space((extension_attributes/gift_message/message | gift_message/message)[1])"/>
      <xsl:variable name="notes">
        <xsl:if test="$note != ''">Note: <xsl:value-of select="$note"/></xsl:if>
        <xsl:if test="$coupon != ''">
          <xsl:if test="$note != ''"> | </xsl:if>Coupon: <xsl:value-of select="$coupon"/>
        </xsl:if>
        <xsl:if test="$gift != ''">
          <xsl:if test="$note != '' or $coupon != ''"> | </xsl:if>Gift message: <xsl:value-of select="$gift"/>
        </xsl:if>
      </xsl:variable>
      <xsl:if test="string-length($notes) &gt; 0"><Notes1><xsl:value-of select="substring($notes, 1, 60)"/></Notes1></xsl:if>
      <xsl:if test="string-length($notes) &gt; 60"><Notes2><xsl:value-of select="substring($notes, 61, 60)"/></Notes2></xsl:if>
      <xsl:if test="string-length($notes) &gt; 120"><Notes3><xsl:value-of select="substring($notes, 121)"/></Notes3></xsl:if>
      <Currency><xsl:call-template name="currency"/></Currency>
      <!-- A VAT number belongs to one business: never on the shared web account; the Sage job finds the
           customer's account by e-mail or creates it from the Customer record. -->
      <xsl:variable name="vatNumber"><xsl:call-template name="vat-number"/></xsl:variable>
      <xsl:if test="$vatNumber = ''">
        <AccountReference><xsl:value-of select="$guestAccountReference"/></AccountReference>
      </xsl:if>
      <SalesOrderDate>
        <xsl:call-template name="sage-date"><xsl:with-param name="utc" select="normalize-space(created_at)"/></xsl:call-template>
      </SalesOrderDate>
      <xsl:for-each select="(billing_address | shipping_address)[1]">
        <xsl:call-template name="contact">
          <xsl:with-param name="element" select="'SalesOrderAddress'"/>
          <xsl:with-param name="email" select="$email"/>
        </xsl:call-template>
      </xsl:for-each>
      <xsl:for-each select="$shipping">
        <xsl:call-template name="contact">
          <xsl:with-param name="element" select="'SalesOrderDeliveryAddress'"/>
          <xsl:with-param name="email" select="$email"/>
        </xsl:call-template>
      </xsl:for-each>
      <xsl:variable name="rows" select="items/OrderProduct"/>
      <xsl:if test="$rows">
        <SalesOrderItems>
          <xsl:for-each select="$rows">
            <xsl:variable name="parentId" select="normalize-space(parent_item_id)"/>
            <xsl:variable name="parent" select="$rows[normalize-space(item_id) = $parentId and $parentId != '']"/>
            <xsl:variable name="itemId" select="normalize-space(item_id)"/>
            <xsl:variable name="children" select="$rows[normalize-space(parent_item_id) = $itemId and $itemId != '']"/>
            <xsl:variable name="type" select="normalize-space(product_type)"/>
            <xsl:choose>
              <xsl:when test="$parent">
                <xsl:if test="not(normalize-space($parent/product_type) = 'configurable'
                              or (normalize-space($parent/product_type) = 'bundle' and $bundles = 'bundle'))">
                  <xsl:call-template name="line"><xsl:with-param name="destination" select="$destination"/></xsl:call-template>
                </xsl:if>
              </xsl:when>
              <xsl:when test="$type = 'configurable'">
                <xsl:call-template name="line">
                  <xsl:with-param name="destination" select="$destination"/>
                  <xsl:with-param name="variant" select="$children[1]"/>
                </xsl:call-template>
              </xsl:when>
              <xsl:when test="$type = 'bundle' and $bundles = 'children' and $children"/>
              <xsl:otherwise>
                <xsl:call-template name="line"><xsl:with-param name="destination" select="$destination"/></xsl:call-template>
              </xsl:otherwise>
            </xsl:choose>
          </xsl:for-each>
        </SalesOrderItems>
      </xsl:if>
      <xsl:if test="normalize-space(shipping_method) != '' or sum(shipping_amount) != 0">
        <!-- Shipping net of its discount, the VAT the discount took off gross shipping added back. -->
        <xsl:variable name="net"
          select="sum(shipping_amount) + sum(shipping_discount_tax_compensation_amount) - sum(shipping_discount_amount)"/>
        <Carriage>
          <Sku>
            <xsl:choose>
              <xsl:when test="normalize-space(shipping_method) != ''"><xsl:value-of select="normalize-space(shipping_method)"/></xsl:when>
              <xsl:otherwise>CARRIAGE</xsl:otherwise>
            </xsl:choose>
          </Sku>
          <xsl:if test="normalize-space(shipping_description) != ''">
            <Name><xsl:value-of select="normalize-space(shipping_description)"/></Name>
          </xsl:if>
          <QtyOrdered>1</QtyOrdered>
          <UnitPrice><xsl:value-of select="format-number($net, '0.####')"/></UnitPrice>
          <TaxCode>
            <xsl:call-template name="tax-code">
              <xsl:with-param name="percent">
                <xsl:choose>
                  <xsl:when test="$net = 0">0</xsl:when>
                  <xsl:otherwise><xsl:value-of select="round(sum(shipping_tax_amount) * 100 div $net * 100) div 100"/></xsl:otherwise>
                </xsl:choose>
              </xsl:with-param>
              <xsl:with-param name="destination" select="$destination"/>
            </xsl:call-template>
          </TaxCode>
        </Carriage>
      </xsl:if>
      <TakenBy><xsl:value-of select="$takenBy"/></TakenBy>
      <!-- The payment is what the customer paid: grand_total, which Sage's total equals. -->
      <xsl:if test="payment and sum(grand_total) &gt; 0">
        <PaymentRef><xsl:value-of select="normalize-space(payment/method)"/></PaymentRef>
        <PaymentAmount><xsl:value-of select="format-number(sum(grand_total), '0.####')"/></PaymentAmount>
        <BankAccount><xsl:value-of select="$bankAccount"/></BankAccount>
        <PaymentType><xsl:value-of select="$paymentType"/></PaymentType>
      </xsl:if>
    </SalesOrder>
  </xsl:template>

  <!-- The customer record of an order with a VAT number (native: SageCustomer). -->
  <xsl:template match="OrderInfo" mode="customer">
    <xsl:variable name="customerId" select="normalize-space(customer_id)"/>
    <xsl:variable name="guestFlag" select="normalize-space(customer_is_guest)"/>
    <xsl:variable name="invoice" select="(billing_address | shipping_address)[1]"/>
    <xsl:variable name="email" select="normalize-space(customer_email)"/>
    <xsl:variable name="fullName" select="normalize-space(concat($invoice/firstname, ' ', $invoice/lastname))"/>
    <Customer>
      <xsl:if test="$customerId != '' and not($guestFlag = '1' or $guestFlag = 'true')">
        <Id><xsl:value-of select="$customerId"/></Id>
      </xsl:if>
      <xsl:choose>
        <xsl:when test="normalize-space($invoice/company) != ''">
          <CompanyName><xsl:value-of select="normalize-space($invoice/company)"/></CompanyName>
        </xsl:when>
        <xsl:when test="$fullName != ''"><CompanyName><xsl:value-of select="substring($fullName, 1, 60)"/></CompanyName></xsl:when>
      </xsl:choose>
      <VatNumber><xsl:call-template name="vat-number"/></VatNumber>
      <xsl:for-each select="$invoice">
        <xsl:call-template name="contact">
          <xsl:with-param name="element" select="'CustomerInvoiceAddress'"/>
          <xsl:with-param name="email" select="$email"/>
        </xsl:call-template>
      </xsl:for-each>
      <xsl:for-each select="(shipping_address | billing_address)[1]">
        <xsl:call-template name="contact">
          <xsl:with-param name="element" select="'CustomerDeliveryAddress'"/>
          <xsl:with-param name="email" select="$email"/>
        </xsl:call-template>
      </xsl:for-each>
      <Currency><xsl:call-template name="currency"/></Currency>
    </Customer>
  </xsl:template>

  <!-- The customer's VAT number: customer_taxvat, else the invoice's vat_id, else the delivery's. -->
  <xsl:template name="vat-number">
    <xsl:variable name="taxvat">
      <xsl:call-template name="field"><xsl:with-param name="name" select="'customer_taxvat'"/></xsl:call-template>
    </xsl:variable>
    <xsl:choose>
      <xsl:when test="$taxvat != ''"><xsl:value-of select="$taxvat"/></xsl:when>
      <xsl:when test="normalize-space(billing_address/vat_id) != ''"><xsl:value-of select="normalize-space(billing_address/vat_id)"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="normalize-space(shipping_address/vat_id)"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="currency">
    <xsl:choose>
      <xsl:when test="normalize-space(order_currency_code) != ''"><xsl:value-of select="normalize-space(order_currency_code)"/></xsl:when>
      <xsl:otherwise>GBP</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- One Sage line: qty x (price - unit discount) = Magento's discounted net row, which is
       row_total + discount_tax_compensation_amount - discount_amount (the compensation is the VAT a gross
       discount took off the row: it belongs to the net). -->
  <xsl:template name="line">
    <xsl:param name="destination"/>
    <xsl:param name="variant" select="/.."/>
    <xsl:variable name="sku">
      <xsl:choose>
        <xsl:when test="$variant"><xsl:value-of select="normalize-space($variant/sku)"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="normalize-space(sku)"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="name">
      <xsl:choose>
        <xsl:when test="$variant and normalize-space($variant/name) != ''"><xsl:value-of select="normalize-space($variant/name)"/></xsl:when>
        <xsl:when test="$variant"><xsl:value-of select="$sku"/></xsl:when>
        <xsl:when test="normalize-space(name) != ''"><xsl:value-of select="normalize-space(name)"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="$sku"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="qty" select="sum(qty_ordered)"/>
    <xsl:variable name="price" select="sum(price)"/>
    <xsl:variable name="discount" select="sum(discount_amount)"/>
    <xsl:variable name="row">
      <xsl:choose>
        <xsl:when test="normalize-space(row_total) != ''"><xsl:value-of select="sum(row_total)"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="$qty * $price"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="target"
      select="$row + sum(discount_tax_compensation_amount) - ($discount * (1 - 2 * ($discount &lt; 0)))"/>
    <xsl:variable name="unitDiscount">
      <xsl:choose>
        <xsl:when test="$qty &gt; 0"><xsl:value-of select="round(($qty * $price - $target) div $qty * 10000) div 10000"/></xsl:when>
        <xsl:otherwise>0</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <Item>
      <Sku><xsl:value-of select="translate($sku, $lower, $upper)"/></Sku>
      <xsl:if test="$name != ''"><Name><xsl:value-of select="$name"/></Name></xsl:if>
      <QtyOrdered><xsl:value-of select="format-number($qty, '0.####')"/></QtyOrdered>
      <xsl:choose>
        <xsl:when test="$unitDiscount &lt; 0">
          <UnitPrice><xsl:value-of select="format-number(round($target div $qty * 10000) div 10000, '0.####')"/></UnitPrice>
        </xsl:when>
        <xsl:otherwise>
          <UnitPrice><xsl:value-of select="format-number($price, '0.####')"/></UnitPrice>
          <xsl:if test="$unitDiscount != 0">
            <UnitDiscountAmount><xsl:value-of select="format-number($unitDiscount, '0.####')"/></UnitDiscountAmount>
          </xsl:if>
        </xsl:otherwise>
      </xsl:choose>
      <TaxCode>
        <xsl:call-template name="tax-code">
          <xsl:with-param name="percent" select="sum(tax_percent)"/>
          <xsl:with-param name="destination" select="$destination"/>
        </xsl:call-template>
      </TaxCode>
    </Item>
  </xsl:template>

  <!-- Tax code integer: T4/T0 for untaxed lines to EU VAT-registered / rest of world; else by rate (0, 5, 20).
       The native mapping refuses a rate with no code; this stylesheet falls back to the destination's code. -->
  <xsl:template name="tax-code">
    <xsl:param name="percent"/>
    <xsl:param name="destination"/>
    <xsl:choose>
      <xsl:when test="$destination = 'euVatRegistered' and $percent = 0"><xsl:value-of select="$euVatRegisteredTaxCode"/></xsl:when>
      <xsl:when test="$destination = 'restOfWorld' and $percent = 0"><xsl:value-of select="$restOfWorldTaxCode"/></xsl:when>
      <xsl:when test="$percent = 0 or round($percent) = 0">0</xsl:when>
      <xsl:when test="$percent = 5 or round($percent) = 5">5</xsl:when>
      <xsl:when test="$percent = 20 or round($percent) = 20">1</xsl:when>
      <xsl:when test="$destination = 'eu'"><xsl:value-of select="$euTaxCode"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="$ukTaxCode"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="contact">
    <xsl:param name="element"/>
    <xsl:param name="email"/>
    <xsl:variable name="street" select="concat(street, '&#10;')"/>
    <xsl:variable name="first" select="normalize-space(substring-before($street, '&#10;'))"/>
    <xsl:variable name="rest">
      <xsl:call-template name="join-lines"><xsl:with-param name="text" select="substring-after($street, '&#10;')"/></xsl:call-template>
    </xsl:variable>
    <xsl:element name="{$element}">
      <xsl:call-template name="optional"><xsl:with-param name="name" select="'Forename'"/><xsl:with-param name="value" select="firstname"/></xsl:call-template>
      <xsl:call-template name="optional"><xsl:with-param name="name" select="'Surname'"/><xsl:with-param name="value" select="lastname"/></xsl:call-template>
      <xsl:call-template name="optional"><xsl:with-param name="name" select="'Company'"/><xsl:with-param name="value" select="company"/></xsl:call-template>
      <xsl:call-template name="optional"><xsl:with-param name="name" select="'Address1'"/><xsl:with-param name="value" select="$first"/></xsl:call-template>
      <xsl:call-template name="optional"><xsl:with-param name="name" select="'Address2'"/><xsl:with-param name="value" select="$rest"/></xsl:call-template>
      <xsl:call-template name="optional"><xsl:with-param name="name" select="'Town'"/><xsl:with-param name="value" select="city"/></xsl:call-template>
      <xsl:call-template name="optional"><xsl:with-param name="name" select="'Postcode'"/><xsl:with-param name="value" select="postcode"/></xsl:call-template>
      <xsl:call-template name="optional"><xsl:with-param name="name" select="'County'"/><xsl:with-param name="value" select="region"/></xsl:call-template>
      <xsl:call-template name="optional"><xsl:with-param name="name" select="'Country'"/><xsl:with-param name="value" select="country_id"/></xsl:call-template>
      <xsl:call-template name="optional"><xsl:with-param name="name" select="'Telephone'"/><xsl:with-param name="value" select="telephone"/></xsl:call-template>
      <xsl:call-template name="optional"><xsl:with-param name="name" select="'Fax'"/><xsl:with-param name="value" select="fax"/></xsl:call-template>
      <xsl:call-template name="optional"><xsl:with-param name="name" select="'Email'"/><xsl:with-param name="value" select="$email"/></xsl:call-template>
    </xsl:element>
  </xsl:template>

  <xsl:template name="optional">
    <xsl:param name="name"/>
    <xsl:param name="value"/>
    <xsl:if test="normalize-space($value) != ''">
      <xsl:element name="{$name}"><xsl:value-of select="normalize-space($value)"/></xsl:element>
    </xsl:if>
  </xsl:template>

  <!-- Street lines after the first, blank ones dropped, joined with ", ". -->
  <xsl:template name="join-lines">
    <xsl:param name="text"/>
    <xsl:param name="sofar" select="''"/>
    <xsl:choose>
      <xsl:when test="$text = ''"><xsl:value-of select="$sofar"/></xsl:when>
      <xsl:otherwise>
        <xsl:variable name="line" select="normalize-space(substring-before($text, '&#10;'))"/>
        <xsl:call-template name="join-lines">
          <xsl:with-param name="text" select="substring-after($text, '&#10;')"/>
          <xsl:with-param name="sofar">
            <xsl:choose>
              <xsl:when test="$line = ''"><xsl:value-of select="$sofar"/></xsl:when>
              <xsl:when test="$sofar = ''"><xsl:value-of select="$line"/></xsl:when>
              <xsl:otherwise><xsl:value-of select="concat($sofar, ', ', $line)"/></xsl:otherwise>
            </xsl:choose>
          </xsl:with-param>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- "YYYY-MM-DD HH:MM:SS" UTC -> "YYYY-MM-DDTHH:MM:SS" in Europe/London (BST: last Sunday of March 01:00 UTC
       to last Sunday of October 01:00 UTC) or UTC. -->
  <xsl:template name="sage-date">
    <xsl:param name="utc"/>
    <xsl:variable name="y" select="number(substring($utc, 1, 4))"/>
    <xsl:variable name="m" select="number(substring($utc, 6, 2))"/>
    <xsl:variable name="d" select="number(substring($utc, 9, 2))"/>
    <xsl:variable name="h" select="number(substring($utc, 12, 2))"/>
    <xsl:variable name="rest" select="substring($utc, 14, 6)"/>
    <xsl:variable name="marchSunday">
      <xsl:call-template name="last-sunday"><xsl:with-param name="y" select="$y"/><xsl:with-param name="m" select="3"/></xsl:call-template>
    </xsl:variable>
    <xsl:variable name="octoberSunday">
      <xsl:call-template name="last-sunday"><xsl:with-param name="y" select="$y"/><xsl:with-param name="m" select="10"/></xsl:call-template>
    </xsl:variable>
    <!-- Minutes since the start of the month, to compare instants within March / October. -->
    <xsl:variable name="stamp" select="$m * 100000 + $d * 100 + $h"/>
    <xsl:variable name="summer" select="$timezone = 'Europe/London'
      and $stamp &gt;= 3 * 100000 + $marchSunday * 100 + 1 and $stamp &lt; 10 * 100000 + $octoberSunday * 100 + 1"/>
    <xsl:variable name="hour" select="$h + number($summer)"/>
    <xsl:variable name="monthDays" select="substring('312831303130313130313031', ($m - 1) * 2 + 1, 2)"/>
    <xsl:variable name="day" select="$d + number($hour = 24)"/>
    <xsl:variable name="nextMonth" select="$day &gt; number($monthDays)"/>
    <xsl:value-of select="concat(format-number($y, '0000'), '-',
      format-number($m + number($nextMonth), '00'), '-',
      format-number(($day - 1) mod number($monthDays) + 1, '00'), 'T',
      format-number($hour mod 24, '00'), $rest)"/>
  </xsl:template>

  <!-- Day of the month of the last Sunday of month $m (31 days: March, October) of year $y. -->
  <xsl:template name="last-sunday">
    <xsl:param name="y"/>
    <xsl:param name="m"/>
    <!-- Sakamoto's day of week for the 31st: 0 = Sunday. -->
    <xsl:variable name="t" select="substring('032503514624', $m, 1)"/>
    <xsl:variable name="yy" select="$y - number($m &lt; 3)"/>
    <xsl:variable name="dow"
      select="($yy + floor($yy div 4) - floor($yy div 100) + floor($yy div 400) + number($t) + 31) mod 7"/>
    <xsl:value-of select="31 - $dow"/>
  </xsl:template>
</xsl:stylesheet>
