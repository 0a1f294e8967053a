import Mustache

/// The console's pages as Mustache templates (`{{x}}` escapes HTML; nothing here uses the unescaped form).
/// Compiled in, like ``ConsoleAssets``, so an installed binary needs no template folder.
enum ConsoleTemplates {
    static let header = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · ferry</title><link rel="stylesheet" href="/static/console.css"></head>
        <body><header><strong>ferry</strong><nav>
        <a href="/" {{#nav.overview}}class="active"{{/nav.overview}}>Overview</a>
        <a href="/orders" {{#nav.orders}}class="active"{{/nav.orders}}>Orders</a>
        <a href="/quarantine" {{#nav.quarantine}}class="active"{{/nav.quarantine}}>Quarantine</a>
        <a href="/runs" {{#nav.runs}}class="active"{{/nav.runs}}>Runs</a>
        <a href="/metrics">Metrics</a></nav><span class="muted" id="user">{{user}}</span><span id="live"></span></header>
        <main>
        {{#message}}<p class="notice" id="message">{{message}}</p>{{/message}}
        {{#error}}<p class="notice error" id="error">{{error}}</p>{{/error}}
        """

    static let footer = """
        </main><script src="/static/console.js"></script></body></html>
        """

    static let overview = """
        {{> header}}
        {{#page}}
        <h1>Overview <span class="health health-{{health}}" id="overall">{{health}}</span></h1>
        <p class="muted">As of <span data-field="generatedAt">{{generatedAt}}</span>.</p>
        <table id="stages" data-live><thead><tr><th>Stage</th><th>Task</th><th>Watch</th><th>Pending</th><th>In progress</th>
        <th>Today</th><th>Quarantined</th><th>Last success</th><th>Last error</th><th>Health</th></tr></thead><tbody>
        {{#stages}}<tr id="stage-{{name}}"><td>{{name}}</td><td>{{task}}</td><td data-stage="{{name}}" data-field="watchMode">{{watchMode}}</td>
        <td class="num" data-stage="{{name}}" data-field="pending">{{pending}}</td>
        <td class="num" data-stage="{{name}}" data-field="inProgress">{{inProgress}}</td>
        <td class="num" data-stage="{{name}}" data-field="processedToday">{{processedToday}}</td>
        <td class="num" data-stage="{{name}}" data-field="quarantined">{{quarantined}}</td>
        <td data-stage="{{name}}" data-field="lastSuccess">{{lastSuccess}}</td>
        <td class="wrap" data-stage="{{name}}" data-field="lastError">{{lastError}}</td>
        <td><span class="health health-{{health}}" data-stage="{{name}}" data-field="health">{{health}}</span></td></tr>
        {{/stages}}</tbody></table>
        <h2>Downloads</h2>
        <table id="schedules"><thead><tr><th>Scheduled stage</th><th>Interval</th><th>Last run</th><th>Next run</th></tr></thead><tbody>
        {{#schedules}}<tr><td>{{stage}}</td><td>{{every}}</td><td>{{lastRun}}</td><td>{{nextRun}}</td></tr>{{/schedules}}
        {{^schedules}}<tr><td colspan="4" class="muted">No scheduled stage.</td></tr>{{/schedules}}
        </tbody></table>
        <table id="watermarks"><thead><tr><th>Download watermark (scope)</th><th>Orders updated after</th></tr></thead><tbody>
        {{#watermarks}}<tr><td>{{scope}}</td><td>{{updatedAt}}</td></tr>{{/watermarks}}
        {{^watermarks}}<tr><td colspan="2" class="muted">No download has run yet.</td></tr>{{/watermarks}}
        </tbody></table>
        {{/page}}
        {{> footer}}
        """

    static let orders = """
        {{> header}}
        <h1>Orders</h1>
        <form method="get" action="/orders" id="search"><input type="search" name="q" value="{{query}}" autofocus
        placeholder="increment id, entity id, Sage order number, e-mail or name"> <button type="submit">Search</button></form>
        {{#page}}
        <h2>What the ledgers say about “{{term}}”</h2>
        <table id="facts"><thead><tr><th>Step</th><th>Detail</th><th>When</th></tr></thead><tbody>
        {{#facts}}<tr><td>{{step}}</td><td class="wrap">{{detail}}</td><td>{{at}}</td></tr>{{/facts}}
        {{^facts}}<tr><td colspan="3" class="muted">No ledger row: the order was not mapped or sent yet (see its files below).</td></tr>{{/facts}}
        </tbody></table>
        <h2>Files that mention it</h2>
        <table id="files"><thead><tr><th>Where</th><th>Stage</th><th>File</th><th>Time</th></tr></thead><tbody>
        {{#files}}<tr><td>{{place}}</td><td>{{stage}}</td><td><a href="/file?path={{pathQuery}}">{{name}}</a></td><td>{{modified}}</td></tr>{{/files}}
        {{^files}}<tr><td colspan="4" class="muted">No file in the archive, failed/ or the output folders mentions it.</td></tr>{{/files}}
        </tbody></table>
        {{#truncated}}<p class="muted">Only the newest files were read; older archive days were not searched.</p>{{/truncated}}
        {{/page}}
        {{#refusals}}
        <h2>Recently refused</h2>
        <table id="refusals"><thead><tr><th>Order</th><th>Refused by</th><th>Reason</th><th>Stage</th><th>When</th></tr></thead><tbody>
        {{#rows}}<tr><td><a href="/orders?q={{orderQuery}}">{{order}}</a></td><td>{{refusedBy}}</td><td class="wrap">{{reason}}</td>
        <td>{{stage}}</td><td>{{at}}</td></tr>{{/rows}}
        {{^rows}}<tr><td colspan="5" class="muted">No order was refused.</td></tr>{{/rows}}
        </tbody></table>
        {{/refusals}}
        {{> footer}}
        """

    static let quarantine = """
        {{> header}}
        <h1>Quarantine</h1>
        <table id="quarantine"><thead><tr><th>Stage</th><th>File</th><th>Reason</th><th>Since</th><th>Size</th><th></th></tr></thead><tbody>
        {{#files}}<tr><td>{{stage}}</td><td><a href="/file?path={{pathQuery}}">{{name}}</a></td><td class="wrap">{{reason}}</td><td>{{modified}}</td>
        <td class="num">{{size}}</td><td>
        <form class="inline" method="post" action="/quarantine/retry"><input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="path" value="{{path}}"><button type="submit">Retry</button></form>
        <form class="inline" method="post" action="/quarantine/dismiss"><input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="path" value="{{path}}"><input type="text" name="note" placeholder="why (kept with the file)" required>
        <button type="submit" class="danger">Dismiss</button></form></td></tr>{{/files}}
        {{^files}}<tr><td colspan="6" class="muted">Nothing is quarantined.</td></tr>{{/files}}
        </tbody></table>
        <p class="muted">Retry puts the file back into its stage's folder (as <code>ferry retry</code> does); fix the cause first.
        Dismiss moves it to today's archive with your note.</p>
        {{> footer}}
        """

    static let file = """
        {{> header}}
        {{#page}}
        <h1 id="file-name">{{name}}</h1>
        <p class="muted">{{path}} · {{size}} bytes{{#paged}} · page {{pageNumber}} of {{pages}}{{/paged}}</p>
        {{#hasReason}}<h2>Why it was quarantined</h2><pre class="file" id="reason">{{reason}}</pre>{{/hasReason}}
        {{#quarantined}}
        <form class="inline" method="post" action="/quarantine/retry"><input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="path" value="{{path}}"><button type="submit" id="retry">Retry</button></form>
        {{/quarantined}}
        <h2>Content</h2>
        {{#paged}}<p class="pager">{{#hasPrevious}}<a href="/file?path={{pathQuery}}&amp;page={{previous}}">previous page</a>{{/hasPrevious}}
        {{#hasNext}}<a href="/file?path={{pathQuery}}&amp;page={{next}}">next page</a>{{/hasNext}}</p>{{/paged}}
        <pre class="file" id="content">{{text}}</pre>
        {{/page}}
        {{> footer}}
        """

    static let runs = """
        {{> header}}
        <h1>Runs</h1>
        {{#page}}
        {{#stages}}<h2>{{name}}</h2>
        {{#hasRuns}}<table class="runs" data-stage="{{name}}"><thead><tr><th>Input</th><th>State</th><th>Started</th><th>Duration</th><th>Counters</th>
        <th>Outputs</th><th>Error</th></tr></thead><tbody>
        {{#runs}}<tr><td>{{input}}</td><td>{{state}}</td><td>{{started}}</td><td class="num">{{duration}}</td><td>{{counters}}</td>
        <td class="wrap">{{outputs}}</td><td class="wrap">{{error}}</td></tr>{{/runs}}
        </tbody></table>{{/hasRuns}}
        {{^hasRuns}}<p class="muted">No run yet.</p>{{/hasRuns}}
        {{/stages}}
        <h2>Stock: last upload per SKU</h2>
        {{#hasStock}}<table id="stock"><thead><tr><th>Scope</th><th>SKU</th><th>Quantity</th><th>In stock</th><th>Uploaded</th></tr></thead><tbody>
        {{#stock}}<tr><td>{{scope}}</td><td>{{sku}}</td><td class="num">{{quantity}}</td><td>{{inStock}}</td><td>{{uploadedAt}}</td></tr>{{/stock}}
        </tbody></table>{{/hasStock}}
        {{^hasStock}}<p class="muted">No stock upload yet.</p>{{/hasStock}}
        {{/page}}
        {{> footer}}
        """

    /// Every template, registered under its name (the partials `header` and `footer` included).
    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in [
            ("header", header), ("footer", footer), ("overview", overview), ("orders", orders), ("quarantine", quarantine),
            ("file", file), ("runs", runs),
        ] {
            try library.register(text, named: name)
        }
        return library
    }
}
