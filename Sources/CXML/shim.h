#ifndef FERRY_CXML_SHIM_H
#define FERRY_CXML_SHIM_H
// libxml2's headers pull in the system ICU headers, which clash with Foundation's own ICU module
// ("'UErrorCode' has different definitions in different modules"): read the version header first and
// switch ICU off before anything else is included.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlwriter.h>
#include <libxml/xmlsave.h>
#include <libxml/xmlIO.h>
#include <libxml/xpath.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/transform.h>
#include <libxslt/xsltutils.h>
#include <libxslt/security.h>
#include <libxslt/variables.h>
#include <libexslt/exslt.h>

#ifndef FERRY_CXML_SILENT
#define FERRY_CXML_SILENT
// libxml2's generic error channel is variadic, which Swift cannot express: a C no-op sink instead, so the
// library never prints to stderr behind ferry's back (errors are captured through the structured handlers).
static void ferry_xml_silent(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }
static inline void ferry_xml_silence_generic_errors(void) {
    xmlSetGenericErrorFunc(NULL, ferry_xml_silent);
    xsltSetGenericErrorFunc(NULL, ferry_xml_silent);
}
// xmlFree is a global function-pointer variable, which Swift 6 treats as shared mutable state.
static inline void ferry_xml_free(void *p) { xmlFree(p); }

// libxslt reports errors through a variadic callback: collect them into a caller-owned buffer of
// FERRY_XSLT_ERROR_BUFFER bytes passed as the callback's context (the first 1 KiB says what went wrong).
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
static const int FERRY_XSLT_ERROR_BUFFER = 1024;
static void ferry_xslt_error_sink(void *ctx, const char *msg, ...) {
    if (!ctx) return;
    char *buffer = (char *)ctx;
    size_t used = strlen(buffer);
    if (used + 1 >= (size_t)FERRY_XSLT_ERROR_BUFFER) return;
    va_list ap;
    va_start(ap, msg);
    vsnprintf(buffer + used, (size_t)FERRY_XSLT_ERROR_BUFFER - used, msg, ap);
    va_end(ap);
}
static inline void ferry_xslt_capture_errors(xsltTransformContextPtr ctxt, char *buffer) {
    buffer[0] = 0;
    xsltSetGenericErrorFunc(buffer, ferry_xslt_error_sink);
    if (ctxt) xsltSetTransformErrorFunc(ctxt, buffer, ferry_xslt_error_sink);
}
static inline void ferry_xslt_release_errors(void) { xsltSetGenericErrorFunc(NULL, ferry_xml_silent); }
#endif /* FERRY_CXML_SILENT */
#endif /* FERRY_CXML_SHIM_H */
