<?xml version="1.0" encoding="UTF-8"?>
<!-- Reference for ferry's native `magento-orders-to-sage-orders` mapping: the same sales orders from the same
     Magento order file, for the default settings below (a test checks this on ferry's fixtures).
     Magento "Download Orders" (ArrayOfOrderInfo/OrderInfo) -> Zynk Connect XML (Company/SalesOrders/SalesOrder).

     Start here when customising, then point a stage with task `xslt` at your copy. Native only (add them to
     your copy if you need them): the customer account map, per-currency web accounts, `autoCreate`, Sage 50
     pre-validation and the fail file, `longFields: truncate`, the duplicate-proof ledger, time zones other
     than Europe/London and UTC.

     Money: the same lines as the native mapping, to the penny. XSLT 1.0 numbers are binary doubles, so every
     amount is taken as a whole number of ten-thousandths (round(x * 10000): exact for Magento's 4 places) and
     computed on whole numbers only, which a double holds exactly; division rounds halves away from zero, as the
     native Decimal arithmetic does, exactly for numerators below 2^51 (see template net-fails). So the
     gross-or-net decision (VatInclusive when Sage's VAT on some net line would not be Magento's), the unit
     price and discount of each line
     (4 places), the inferred shipping rate and the fixed-price bundles (sent as the bundle line: their parts
     come at 0) are the native rules. Limit: a line's quantity x unit price below 22,000,000 of the currency.

     Native only, because XSLT 1.0 cannot express them or they need state (docs/mappings.md, "The reference
     stylesheets"): Sage 50 pre-validation and the fail file (an order the native mapping refuses, such as an
     unmapped VAT rate, fractions of a penny or a total that does not reconcile, is written here as its lines
     came out); lengths counted in characters (Unicode grapheme clusters) rather than code points; characters
     Windows-1252 cannot hold beyond the Latin letters transliterated below. -->
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
  <!-- Tax codes (integers): per destination (untaxed lines to EU VAT-registered businesses and the rest of the
       world; the others only where a rate has no code). -->
  <xsl:param name="ukTaxCode" select="'1'"/>
  <xsl:param name="euTaxCode" select="'1'"/>
  <xsl:param name="euVatRegisteredTaxCode" select="'4'"/>
  <xsl:param name="restOfWorldTaxCode" select="'0'"/>
  <!-- Tax code by Magento's percent, per country or for every country: `rateCodes` and the rate keys of
       `taxCodes`, written ' 20=T1 IE:23=T10 '. -->
  <xsl:param name="rateCodes" select="' 0=T0 5=T5 20=T1 '"/>
  <xsl:param name="homeCountries" select="' GB IM '"/>
  <xsl:param name="euCountries"
    select="' AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE '"/>

  <xsl:variable name="lower" select="'abcdefghijklmnopqrstuvwxyz'"/>
  <xsl:variable name="knownRates"><xsl:call-template name="known-rates"/></xsl:variable>
  <xsl:variable name="upper" select="'ABCDEFGHIJKLMNOPQRSTUVWXYZ'"/>
  <!-- Sage 50 keeps text in Windows-1252: the Latin letters it cannot hold, as the native mapping
       transliterates them (Ł -> L, ễ -> ê; the primes ′ ″ only natively); other characters it cannot hold make the native mapping refuse. -->
  <xsl:variable name="ascii"
    select="concat(' abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,-+@()/#&amp;:;_', &quot;'&quot;)"/>
  <xsl:variable name="unheld" select="'ĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĸĹĺĻļĽľĿŀŁłŃńŅņŇňŊŋŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŹźŻżſƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǦǧǨǩǪǫǬǭǰǴǵǸǹǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳḀḁḂḃḄḅḆḇḈḉḊḋḌḍḎḏḐḑḒḓḔḕḖḗḘḙḚḛḜḝḞḟḠḡḢḣḤḥḦḧḨḩḪḫḬḭḮḯḰḱḲḳḴḵḶḷḸḹḺḻḼḽḾḿṀṁṂṃṄṅṆṇṈṉṊṋṌṍṎṏṐṑṒṓṔṕṖṗṘṙṚṛṜṝṞṟṠṡṢṣṤṥṦṧṨṩṪṫṬṭṮṯṰṱṲṳṴṵṶṷṸṹṺṻṼṽṾṿẀẁẂẃẄẅẆẇẈẉẊẋẌẍẎẏẐẑẒẓẔẕẖẗẘẙẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ‐‑'"/>
  <xsl:variable name="held" select="'AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkkLlLlLlLlLlNnNnNnNnOoOoOoRrRrRrSsSsSsTtTtTtUuUuUuUuUuUuWwYyZzZzsOoUuAaIiOoUuÜüÜüÜüÜüÄäAaGgKkOoOojGgNnÅåAaAaEeEeIiIiOoOoRrRrUuUuSsTtHhAaEeÖöÕõOoOoYyAaBbBbBbÇçDdDdDdDdDdEeEeEeEeEeFfGgHhHhHhHhHhIiÏïKkKkKkLlLlLlLlMmMmMmNnNnNnNnÕõÕõOoOoPpPpRrRrRrRrSsSsSsŠšSsTtTtTtTtUuUuUuUuUuVvVvWwWwWwWwWwXxXxYyZzZzZzhtwyAaAaÂâÂâÂâÂâAaAaAaAaAaAaEeEeEeÊêÊêÊêÊêEeIiIiOoOoÔôÔôÔôÔôOoOoOoOoOoOoUuUuUuUuUuUuUuYyYyYyYy--'"/>

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
      <xsl:choose>
        <!-- More than three notes hold: the first two, and Notes3 says the text was cut. -->
        <xsl:when test="string-length($notes) &gt; 180"><Notes3>ferry truncated: Notes</Notes3></xsl:when>
        <xsl:when test="string-length($notes) &gt; 120"><Notes3><xsl:value-of select="substring($notes, 121)"/></Notes3></xsl:when>
      </xsl:choose>
      <Currency><xsl:call-template name="currency"/></Currency>
      <xsl:variable name="rows" select="items/OrderProduct"/>
      <!-- Net lines when Sage's VAT on every net line is Magento's VAT and a 4-place unit price makes each line;
           else gross lines (VatInclusive), whose totals always match. One pass over the lines gives each one's
           rate (for the shipping's) and an x for each that cannot go net. -->
      <xsl:variable name="checked">
        <xsl:call-template name="lines"><xsl:with-param name="rows" select="$rows"/><xsl:with-param name="mode" select="'check'"/></xsl:call-template>
      </xsl:variable>
      <xsl:variable name="hasCarriage" select="normalize-space(shipping_method) != '' or sum(shipping_amount) != 0"/>
      <xsl:variable name="shippingPercent">
        <xsl:if test="$hasCarriage">
          <xsl:call-template name="shipping-percent">
            <xsl:with-param name="rates" select="concat(translate($checked, 'x', ''), $knownRates)"/>
          </xsl:call-template>
        </xsl:if>
      </xsl:variable>
      <xsl:variable name="netFails">
        <xsl:value-of select="translate($checked, ' 0123456789', '')"/>
        <xsl:if test="$hasCarriage">
          <xsl:call-template name="carriage">
            <xsl:with-param name="mode" select="'check'"/>
            <xsl:with-param name="percent" select="$shippingPercent"/>
          </xsl:call-template>
        </xsl:if>
      </xsl:variable>
      <xsl:variable name="inclusive" select="$netFails != ''"/>
      <xsl:if test="$inclusive"><VatInclusive>true</VatInclusive></xsl:if>
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
      <xsl:if test="$rows">
        <SalesOrderItems>
          <xsl:call-template name="lines">
            <xsl:with-param name="rows" select="$rows"/>
            <xsl:with-param name="mode" select="'write'"/>
            <xsl:with-param name="inclusive" select="$inclusive"/>
            <xsl:with-param name="destination" select="$destination"/>
            <xsl:with-param name="country" select="$country"/>
          </xsl:call-template>
        </SalesOrderItems>
      </xsl:if>
      <xsl:if test="$hasCarriage">
        <xsl:call-template name="carriage">
          <xsl:with-param name="mode" select="'write'"/>
          <xsl:with-param name="percent" select="$shippingPercent"/>
          <xsl:with-param name="inclusive" select="$inclusive"/>
          <xsl:with-param name="destination" select="$destination"/>
          <xsl:with-param name="country" select="$country"/>
        </xsl:call-template>
      </xsl:if>
      <TakenBy><xsl:value-of select="$takenBy"/></TakenBy>
      <!-- The payment is what the customer paid: grand_total, which Sage's total equals. -->
      <xsl:if test="payment and sum(grand_total) &gt; 0">
        <PaymentRef><xsl:value-of select="translate(normalize-space(payment/method), $unheld, $held)"/></PaymentRef>
        <PaymentAmount><xsl:value-of select="format-number(sum(grand_total), '0.####')"/></PaymentAmount>
        <BankAccount><xsl:value-of select="$bankAccount"/></BankAccount>
        <PaymentType><xsl:value-of select="$paymentType"/></PaymentType>
      </xsl:if>
    </SalesOrder>
  </xsl:template>

  <!-- The rows that become Sage lines, in order: a configurable as its parent row named by the variant; a
       bundle as its parts (`bundles` = 'children') or as the bundle line; a fixed-price bundle (priced on the
       parent, its parts at 0: Magento issue 38687) always as the bundle line, or its value would be lost.
       mode 'check' writes each line's tax percent, followed by an x when the line cannot go net; 'write' the
       Item. -->
  <xsl:template name="lines">
    <xsl:param name="rows"/>
    <xsl:param name="mode"/>
    <xsl:param name="inclusive" select="false()"/>
    <xsl:param name="destination"/>
    <xsl:param name="country"/>
    <xsl:for-each select="$rows">
      <xsl:variable name="parentId" select="normalize-space(parent_item_id)"/>
      <xsl:variable name="parent" select="$rows[$parentId != '' and normalize-space(item_id) = $parentId][1]"/>
      <xsl:variable name="itemId" select="normalize-space(item_id)"/>
      <xsl:variable name="children" select="$rows[$itemId != '' and normalize-space(parent_item_id) = $itemId]"/>
      <xsl:variable name="type" select="normalize-space(product_type)"/>
      <xsl:variable name="fixed" select="$type = 'bundle' and $children and sum(row_total) != 0
                                         and not($children[sum(price) != 0 or sum(row_total) != 0])"/>
      <xsl:variable name="parentFixed" select="$parent and sum($parent/row_total) != 0
                                               and not($rows[normalize-space(parent_item_id) = $parentId]
                                                             [sum(price) != 0 or sum(row_total) != 0])"/>
      <xsl:variable name="parentType" select="normalize-space($parent/product_type)"/>
      <xsl:choose>
        <xsl:when test="$parent and ($parentType = 'configurable'
                        or ($parentType = 'bundle' and ($bundles = 'bundle' or $parentFixed)))"/>
        <xsl:when test="not($parent) and $type = 'bundle' and $bundles = 'children' and $children and not($fixed)"/>
        <xsl:otherwise>
          <xsl:call-template name="line">
            <xsl:with-param name="mode" select="$mode"/>
            <xsl:with-param name="inclusive" select="$inclusive"/>
            <xsl:with-param name="destination" select="$destination"/>
            <xsl:with-param name="country" select="$country"/>
            <xsl:with-param name="variant" select="$children[not($parent) and $type = 'configurable'][1]"/>
          </xsl:call-template>
        </xsl:otherwise>
      </xsl:choose>
    </xsl:for-each>
  </xsl:template>

  <!-- One Sage line from Magento's row: what the customer paid for it (gross: row_total + tax_amount +
       discount_tax_compensation_amount - discount_amount), and the net less Magento's VAT. -->
  <xsl:template name="line">
    <xsl:param name="mode"/>
    <xsl:param name="inclusive"/>
    <xsl:param name="destination"/>
    <xsl:param name="country"/>
    <xsl:param name="variant" select="/.."/>
    <xsl:variable name="q" select="round(sum(qty_ordered) * 10000)"/>
    <xsl:variable name="price" select="round(sum(price) * 10000)"/>
    <xsl:variable name="row">
      <xsl:choose>
        <xsl:when test="normalize-space(row_total) != ''"><xsl:value-of select="round(sum(row_total) * 10000)"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="$q * $price div 10000"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="tax" select="round(sum(tax_amount) * 10000)"/>
    <xsl:variable name="discount" select="round(sum(discount_amount) * 10000)"/>
    <xsl:variable name="gross"
      select="$row + $tax + round(sum(discount_tax_compensation_amount) * 10000) - $discount * (1 - 2 * ($discount &lt; 0))"/>
    <xsl:variable name="percent" select="round(sum(tax_percent) * 10000)"/>
    <xsl:choose>
      <xsl:when test="$mode = 'check'">
        <xsl:value-of select="concat(' ', $percent)"/>
        <xsl:call-template name="net-fails">
          <xsl:with-param name="q" select="$q"/>
          <xsl:with-param name="net" select="$gross - $tax"/>
          <xsl:with-param name="vat" select="$tax"/>
          <xsl:with-param name="percent" select="$percent"/>
          <xsl:with-param name="unit" select="string($price)"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
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
        <Item>
          <Sku><xsl:value-of select="translate($sku, $lower, $upper)"/></Sku>
          <xsl:if test="$name != ''"><Name><xsl:value-of select="translate($name, $unheld, $held)"/></Name></xsl:if>
          <QtyOrdered><xsl:value-of select="format-number($q div 10000, '0.####')"/></QtyOrdered>
          <xsl:call-template name="prices">
            <xsl:with-param name="q" select="$q"/>
            <xsl:with-param name="amount" select="$gross - $tax * not($inclusive)"/>
            <xsl:with-param name="unit">
              <xsl:choose>
                <xsl:when test="not($inclusive)"><xsl:value-of select="$price"/></xsl:when>
                <xsl:when test="normalize-space(price_incl_tax) != ''"><xsl:value-of select="round(sum(price_incl_tax) * 10000)"/></xsl:when>
              </xsl:choose>
            </xsl:with-param>
          </xsl:call-template>
          <TaxCode>
            <xsl:call-template name="tax-code">
              <xsl:with-param name="percent" select="$percent"/>
              <xsl:with-param name="destination" select="$destination"/>
              <xsl:with-param name="country" select="$country"/>
            </xsl:call-template>
          </TaxCode>
        </Item>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- The carriage line (context: the order): shipping net of its discount, at the inferred rate. -->
  <xsl:template name="carriage">
    <xsl:param name="mode"/>
    <xsl:param name="percent"/>
    <xsl:param name="inclusive"/>
    <xsl:param name="destination"/>
    <xsl:param name="country"/>
    <xsl:variable name="tax" select="round(sum(shipping_tax_amount) * 10000)"/>
    <xsl:variable name="discount" select="round(sum(shipping_discount_amount) * 10000)"/>
    <xsl:variable name="gross" select="round(sum(shipping_amount) * 10000) + $tax
      + round(sum(shipping_discount_tax_compensation_amount) * 10000) - $discount * (1 - 2 * ($discount &lt; 0))"/>
    <xsl:choose>
      <xsl:when test="$mode = 'check'">
        <xsl:call-template name="net-fails">
          <xsl:with-param name="q" select="10000"/>
          <xsl:with-param name="net" select="$gross - $tax"/>
          <xsl:with-param name="vat" select="$tax"/>
          <xsl:with-param name="percent" select="$percent"/>
          <xsl:with-param name="unit" select="''"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <Carriage>
          <Sku>
            <xsl:choose>
              <xsl:when test="normalize-space(shipping_method) != ''"><xsl:value-of select="normalize-space(shipping_method)"/></xsl:when>
              <xsl:otherwise>CARRIAGE</xsl:otherwise>
            </xsl:choose>
          </Sku>
          <xsl:if test="normalize-space(shipping_description) != ''">
            <Name><xsl:value-of select="translate(normalize-space(shipping_description), $unheld, $held)"/></Name>
          </xsl:if>
          <QtyOrdered>1</QtyOrdered>
          <xsl:call-template name="prices">
            <xsl:with-param name="q" select="10000"/>
            <xsl:with-param name="amount" select="$gross - $tax * not($inclusive)"/>
            <xsl:with-param name="unit" select="''"/>
          </xsl:call-template>
          <TaxCode>
            <xsl:call-template name="tax-code">
              <xsl:with-param name="percent" select="$percent"/>
              <xsl:with-param name="destination" select="$destination"/>
              <xsl:with-param name="country" select="$country"/>
            </xsl:call-template>
          </TaxCode>
        </Carriage>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- UnitPrice and UnitDiscountAmount of a line of $amount (a line no 4-place price makes: 0, and the native
       mapping refuses the order). -->
  <xsl:template name="prices">
    <xsl:param name="q"/>
    <xsl:param name="amount"/>
    <xsl:param name="unit"/>
    <xsl:variable name="line">
      <xsl:call-template name="sage-line">
        <xsl:with-param name="q" select="$q"/>
        <xsl:with-param name="a" select="$amount"/>
        <xsl:with-param name="unit" select="$unit"/>
      </xsl:call-template>
    </xsl:variable>
    <UnitPrice>
      <xsl:choose>
        <xsl:when test="$line = ''">0</xsl:when>
        <xsl:otherwise><xsl:value-of select="format-number(substring-before($line, ':') div 10000, '0.####')"/></xsl:otherwise>
      </xsl:choose>
    </UnitPrice>
    <xsl:if test="substring-after($line, ':') != ''">
      <UnitDiscountAmount><xsl:value-of select="format-number(substring-after($line, ':') div 10000, '0.####')"/></UnitDiscountAmount>
    </xsl:if>
  </xsl:template>

  <!-- x when a line cannot go net: Sage's VAT on the net (rounded to the penny) is not Magento's, or no 4-place
       unit price makes the net. -->
  <xsl:template name="net-fails">
    <xsl:param name="q"/>
    <xsl:param name="net"/>
    <xsl:param name="vat"/>
    <xsl:param name="percent"/>
    <xsl:param name="unit"/>
    <!-- Every division below rounds halves away from zero: sign * floor(|n| div d + 0.5), exact for whole
         numbers |n| below 2^51 (a double's error on the quotient stays under the 1/(2d) that separates it
         from a half). -->
    <xsl:variable name="product" select="$net * $percent"/>
    <xsl:variable name="sign" select="1 - 2 * ($product &lt; 0)"/>
    <xsl:choose>
      <xsl:when test="$sign * floor($sign * $product div 100000000 + 0.5) * 100 != $vat">x</xsl:when>
      <xsl:otherwise>
        <xsl:variable name="line">
          <xsl:call-template name="sage-line">
            <xsl:with-param name="q" select="$q"/>
            <xsl:with-param name="a" select="$net"/>
            <xsl:with-param name="unit" select="$unit"/>
          </xsl:call-template>
        </xsl:variable>
        <xsl:if test="$line = ''">x</xsl:if>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- "price:discount" (ten-thousandths; discount empty when none) whose qty x (price - discount), rounded to
       pennies, is $a: the list price $unit when it makes it, else with a unit discount, else $a / qty to 4
       places; empty when none does. -->
  <xsl:template name="sage-line">
    <xsl:param name="q"/>
    <xsl:param name="a"/>
    <xsl:param name="unit"/>
    <xsl:variable name="listed" select="string($unit) != '' and $unit &gt;= 0 and $q &gt; 0"/>
    <xsl:choose>
      <xsl:when test="$q &lt;= 0">
        <xsl:if test="$a = 0">
          <xsl:choose>
            <xsl:when test="string($unit) != ''"><xsl:value-of select="concat($unit, ':')"/></xsl:when>
            <xsl:otherwise>0:</xsl:otherwise>
          </xsl:choose>
        </xsl:if>
      </xsl:when>
      <!-- qty x unit (both positive) in pennies. -->
      <xsl:when test="$listed and floor($q * $unit div 1000000 + 0.5) * 100 = $a"><xsl:value-of select="concat($unit, ':')"/></xsl:when>
      <xsl:otherwise>
        <xsl:variable name="over" select="$q * $unit - $a * 10000"/>
        <xsl:variable name="overSign" select="1 - 2 * ($over &lt; 0)"/>
        <xsl:variable name="discount" select="$overSign * floor($overSign * $over div $q + 0.5)"/>
        <xsl:variable name="discounted" select="$q * ($unit - $discount)"/>
        <xsl:variable name="discountedSign" select="1 - 2 * ($discounted &lt; 0)"/>
        <xsl:variable name="priceSign" select="1 - 2 * ($a &lt; 0)"/>
        <xsl:variable name="price" select="$priceSign * floor($priceSign * $a * 10000 div $q + 0.5)"/>
        <xsl:variable name="priced" select="$q * $price"/>
        <xsl:variable name="pricedSign" select="1 - 2 * ($priced &lt; 0)"/>
        <xsl:choose>
          <xsl:when test="$listed and $discount &gt; 0
                          and $discountedSign * floor($discountedSign * $discounted div 1000000 + 0.5) * 100 = $a">
            <xsl:value-of select="concat($unit, ':', $discount)"/>
          </xsl:when>
          <xsl:when test="$pricedSign * floor($pricedSign * $priced div 1000000 + 0.5) * 100 = $a">
            <xsl:value-of select="concat($price, ':')"/>
          </xsl:when>
        </xsl:choose>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- The rate Magento charged on shipping, which it does not store: among the lines' rates and the rates of
       $rateCodes, the one whose VAT on the shipping net of its discount (else on the shipping amount) is within
       a penny of Magento's shipping tax, the nearest first, the higher on a tie; else the rate implied, to
       the nearest half percent. -->
  <xsl:template name="shipping-percent">
    <xsl:param name="rates"/>
    <xsl:variable name="tax" select="round(sum(shipping_tax_amount) * 10000)"/>
    <xsl:variable name="amount" select="round(sum(shipping_amount) * 10000)"/>
    <xsl:variable name="discount" select="round(sum(shipping_discount_amount) * 10000)"/>
    <xsl:variable name="net" select="$amount + round(sum(shipping_discount_tax_compensation_amount) * 10000)
      - $discount * (1 - 2 * ($discount &lt; 0))"/>
    <xsl:choose>
      <xsl:when test="$tax = 0">0</xsl:when>
      <xsl:otherwise>
        <xsl:variable name="onNet">
          <xsl:call-template name="nearest-rate">
            <xsl:with-param name="rates" select="$rates"/><xsl:with-param name="base" select="$net"/><xsl:with-param name="tax" select="$tax"/>
          </xsl:call-template>
        </xsl:variable>
        <xsl:choose>
          <xsl:when test="$onNet != ''"><xsl:value-of select="$onNet"/></xsl:when>
          <xsl:otherwise>
            <xsl:variable name="onAmount">
              <xsl:call-template name="nearest-rate">
                <xsl:with-param name="rates" select="$rates"/><xsl:with-param name="base" select="$amount"/><xsl:with-param name="tax" select="$tax"/>
              </xsl:call-template>
            </xsl:variable>
            <xsl:variable name="taxSign" select="1 - 2 * ($tax &lt; 0)"/>
            <xsl:choose>
              <xsl:when test="$onAmount != ''"><xsl:value-of select="$onAmount"/></xsl:when>
              <xsl:when test="$amount &lt;= 0">0</xsl:when>
              <xsl:otherwise><xsl:value-of select="$taxSign * floor($taxSign * $tax * 200 div $amount + 0.5) * 5000"/></xsl:otherwise>
            </xsl:choose>
          </xsl:otherwise>
        </xsl:choose>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="nearest-rate">
    <xsl:param name="rates"/>
    <xsl:param name="base"/>
    <xsl:param name="tax"/>
    <xsl:param name="best" select="''"/>
    <xsl:param name="distance" select="0"/>
    <xsl:variable name="list" select="normalize-space($rates)"/>
    <xsl:choose>
      <xsl:when test="$list = ''">
        <xsl:if test="$best != '' and $distance &lt;= 100"><xsl:value-of select="$best"/></xsl:if>
      </xsl:when>
      <xsl:otherwise>
        <xsl:variable name="rate" select="number(substring-before(concat($list, ' '), ' '))"/>
        <xsl:variable name="product" select="$base * $rate"/>
        <xsl:variable name="sign" select="1 - 2 * ($product &lt; 0)"/>
        <xsl:variable name="off" select="$sign * floor($sign * $product div 100000000 + 0.5) * 100 - $tax"/>
        <xsl:variable name="here" select="$off * (1 - 2 * ($off &lt; 0))"/>
        <xsl:variable name="better" select="$best = '' or $here &lt; $distance or ($here = $distance and $rate &gt; $best)"/>
        <xsl:call-template name="nearest-rate">
          <xsl:with-param name="rates" select="substring-after($list, ' ')"/>
          <xsl:with-param name="base" select="$base"/>
          <xsl:with-param name="tax" select="$tax"/>
          <xsl:with-param name="best" select="concat(substring($rate, 1, 99 * $better), substring($best, 1, 99 * not($better)))"/>
          <xsl:with-param name="distance" select="$here * $better + $distance * not($better)"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- The rates of $rateCodes (' 20=T1 IE:23=T10 ' -> ' 200000 230000'), in ten-thousandths. -->
  <xsl:template name="known-rates">
    <xsl:param name="codes" select="normalize-space($rateCodes)"/>
    <xsl:if test="$codes != ''">
      <xsl:variable name="key" select="substring-before(substring-before(concat($codes, ' '), ' '), '=')"/>
      <xsl:variable name="rate">
        <xsl:choose>
          <xsl:when test="contains($key, ':')"><xsl:value-of select="substring-after($key, ':')"/></xsl:when>
          <xsl:otherwise><xsl:value-of select="$key"/></xsl:otherwise>
        </xsl:choose>
      </xsl:variable>
      <xsl:value-of select="concat(' ', round($rate * 10000))"/>
      <xsl:call-template name="known-rates"><xsl:with-param name="codes" select="substring-after($codes, ' ')"/></xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- Tax code number: untaxed lines to EU VAT-registered / rest of world take their destination's code; every
       other line the code of its rate in the country ('IE:23=T10'), else of its rate ('20=T1'). The native
       mapping refuses a rate with no code; this stylesheet falls back to the destination's code. -->
  <xsl:template name="tax-code">
    <xsl:param name="percent"/>
    <xsl:param name="destination"/>
    <xsl:param name="country"/>
    <xsl:variable name="key" select="format-number($percent div 10000, '0.####')"/>
    <xsl:variable name="codes" select="concat(' ', normalize-space($rateCodes), ' ')"/>
    <xsl:variable name="inCountry" select="substring-before(substring-after($codes, concat(' ', $country, ':', $key, '=T')), ' ')"/>
    <xsl:variable name="anywhere" select="substring-before(substring-after($codes, concat(' ', $key, '=T')), ' ')"/>
    <xsl:choose>
      <xsl:when test="$destination = 'euVatRegistered' and $percent = 0"><xsl:value-of select="$euVatRegisteredTaxCode"/></xsl:when>
      <xsl:when test="$destination = 'restOfWorld' and $percent = 0"><xsl:value-of select="$restOfWorldTaxCode"/></xsl:when>
      <xsl:when test="$country != '' and $inCountry != ''"><xsl:value-of select="$inCountry"/></xsl:when>
      <xsl:when test="$anywhere != ''"><xsl:value-of select="$anywhere"/></xsl:when>
      <xsl:when test="$destination = 'eu'"><xsl:value-of select="$euTaxCode"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="$ukTaxCode"/></xsl:otherwise>
    </xsl:choose>
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
      <xsl:element name="{$name}">
        <xsl:choose>
          <xsl:when test="$name = 'Email' or $name = 'Country'"><xsl:value-of select="normalize-space($value)"/></xsl:when>
          <!-- Most text is ASCII: the long table only for the rest. -->
          <xsl:when test="translate(normalize-space($value), $ascii, '') = ''"><xsl:value-of select="normalize-space($value)"/></xsl:when>
          <xsl:otherwise><xsl:value-of select="translate(normalize-space($value), $unheld, $held)"/></xsl:otherwise>
        </xsl:choose>
      </xsl:element>
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
