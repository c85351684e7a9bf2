<?xml version="1.0" encoding="utf-8"?>
<!--
  Shows an Atom or RSS feed of Commons as a web page when someone opens it in
  a browser: what a feed is, how to subscribe, and the latest posts.
  Feed readers ignore it. Every feed links here with an xml-stylesheet
  processing instruction; feed.css sits beside this file, and is found from
  that instruction's href, because relative links in the page resolve against
  the feed's address, not this file's.
  XSLT 1.0 (what browsers and libxslt run). Post summaries are escaped HTML
  inside the feed; they are shown as plain text, tags stripped, never as markup.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    exclude-result-prefixes="atom">

  <xsl:output method="html" encoding="utf-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:variable name="xsl-href"
      select="substring-before(substring-after(/processing-instruction('xml-stylesheet'), 'href=&quot;'), '&quot;')"/>
  <xsl:variable name="css-href"
      select="concat(substring($xsl-href, 1, string-length($xsl-href) - 4), '.css')"/>
  <xsl:variable name="is-atom" select="boolean(/atom:feed)"/>
  <xsl:variable name="format">
    <xsl:choose>
      <xsl:when test="$is-atom">Atom</xsl:when>
      <xsl:otherwise>RSS</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="title" select="/atom:feed/atom:title | /rss/channel/title"/>
  <xsl:variable name="subtitle" select="/atom:feed/atom:subtitle | /rss/channel/description"/>
  <xsl:variable name="feed-url"
      select="/atom:feed/atom:link[@rel='self']/@href | /rss/channel/*[local-name()='link' and @rel='self']/@href"/>
  <xsl:variable name="site-url"
      select="/atom:feed/atom:link[@rel='alternate']/@href | /rss/channel/link"/>
  <xsl:variable name="lang" select="/atom:feed/@xml:lang | /rss/channel/language"/>

  <xsl:template match="/">
    <html lang="{$lang}" class="feed-preview">
      <head>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="color-scheme" content="light dark"/>
        <title><xsl:value-of select="$title"/> · web feed (<xsl:value-of select="$format"/>)</title>
        <link rel="stylesheet" href="{$css-href}"/>
      </head>
      <body>
        <main id="main" class="feed">
          <header class="feed-header">
            <p class="feed-kind">Web feed · <xsl:value-of select="$format"/></p>
            <h1><xsl:value-of select="$title"/></h1>
            <xsl:if test="string($subtitle) != string($title)">
              <p class="feed-subtitle"><xsl:value-of select="$subtitle"/></p>
            </xsl:if>
          </header>

          <section class="feed-about" aria-labelledby="feed-what">
            <h2 id="feed-what">What is this page?</h2>
            <p>This is a <strong>web feed</strong>: the latest posts of this site in a
              form that feed-reader apps understand. Subscribe once and every new
              post comes to your reader, in full, as soon as it is published. You
              need no account and give no e-mail address, and you can stop at any
              time by removing the feed from your reader.</p>
            <h2 id="feed-how">How to subscribe</h2>
            <ol>
              <li>Copy this address:
                <code class="feed-url"><xsl:value-of select="$feed-url"/></code></li>
              <li>In your feed reader, choose “Add feed” or “Subscribe”, and paste it.
                Any reader works: an app on your phone or computer, a reader in
                your browser or e-mail program, or one on the command line.</li>
            </ol>
            <p><a href="{$site-url}">Read the site in your browser instead</a></p>
          </section>

          <section class="feed-entries" aria-labelledby="feed-latest">
            <h2 id="feed-latest">Latest posts</h2>
            <ol class="feed-entry-list">
              <xsl:apply-templates select="/atom:feed/atom:entry | /rss/channel/item"/>
            </ol>
          </section>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="atom:entry">
    <li class="feed-entry">
      <h3><a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a></h3>
      <p class="feed-entry-date">
        <time datetime="{atom:published}"><xsl:value-of select="substring(atom:published, 1, 10)"/></time>
      </p>
      <xsl:call-template name="summary">
        <xsl:with-param name="html" select="atom:summary"/>
      </xsl:call-template>
    </li>
  </xsl:template>

  <xsl:template match="item">
    <li class="feed-entry">
      <h3><a href="{link}"><xsl:value-of select="title"/></a></h3>
      <p class="feed-entry-date"><xsl:value-of select="substring(pubDate, 1, 16)"/></p>
      <xsl:call-template name="summary">
        <xsl:with-param name="html" select="description"/>
      </xsl:call-template>
    </li>
  </xsl:template>

  <xsl:template name="summary">
    <xsl:param name="html"/>
    <xsl:if test="normalize-space($html)">
      <xsl:variable name="text">
        <xsl:call-template name="strip-tags">
          <xsl:with-param name="html" select="string($html)"/>
        </xsl:call-template>
      </xsl:variable>
      <p class="feed-entry-summary">
        <xsl:call-template name="unescape">
          <xsl:with-param name="text" select="normalize-space($text)"/>
        </xsl:call-template>
      </p>
    </xsl:if>
  </xsl:template>

  <!-- The text of an HTML fragment: everything outside <...>. -->
  <xsl:template name="strip-tags">
    <xsl:param name="html"/>
    <xsl:choose>
      <xsl:when test="contains($html, '&lt;')">
        <xsl:value-of select="substring-before($html, '&lt;')"/>
        <xsl:text> </xsl:text>
        <xsl:call-template name="strip-tags">
          <xsl:with-param name="html" select="substring-after(substring-after($html, '&lt;'), '&gt;')"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$html"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- The entities an HTML serialiser writes in text: &amp; &lt; &gt; &quot; &#39;. -->
  <xsl:template name="unescape">
    <xsl:param name="text"/>
    <xsl:choose>
      <xsl:when test="contains($text, '&amp;')">
        <xsl:value-of select="substring-before($text, '&amp;')"/>
        <xsl:variable name="rest" select="substring-after($text, '&amp;')"/>
        <xsl:choose>
          <xsl:when test="starts-with($rest, 'amp;')">&amp;<xsl:call-template name="unescape"><xsl:with-param name="text" select="substring($rest, 5)"/></xsl:call-template></xsl:when>
          <xsl:when test="starts-with($rest, 'lt;')">&lt;<xsl:call-template name="unescape"><xsl:with-param name="text" select="substring($rest, 4)"/></xsl:call-template></xsl:when>
          <xsl:when test="starts-with($rest, 'gt;')">&gt;<xsl:call-template name="unescape"><xsl:with-param name="text" select="substring($rest, 4)"/></xsl:call-template></xsl:when>
          <xsl:when test="starts-with($rest, 'quot;')">"<xsl:call-template name="unescape"><xsl:with-param name="text" select="substring($rest, 6)"/></xsl:call-template></xsl:when>
          <xsl:when test="starts-with($rest, '#39;')">'<xsl:call-template name="unescape"><xsl:with-param name="text" select="substring($rest, 5)"/></xsl:call-template></xsl:when>
          <xsl:otherwise>&amp;<xsl:call-template name="unescape"><xsl:with-param name="text" select="$rest"/></xsl:call-template></xsl:otherwise>
        </xsl:choose>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
