/// The console's stylesheet and its one script, served from `/static/`. Compiled in, so the binary is all an
/// installation needs (no resource bundle to find); no build step, nothing from a CDN.
enum ConsoleAssets {
    /// Plain CSS: readable tables, a health colour per stage, usable on a phone.
    static let css = """
        :root { --ok: #1b7f3a; --warn: #a15c00; --bad: #b3261e; --line: #d8dbe0; --muted: #5f6670; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2127; background: #f6f7f9; }
        header { background: #1f2a37; color: #fff; padding: .6rem 1.2rem; display: flex; gap: 1.5rem; align-items: baseline; flex-wrap: wrap; }
        header strong { font-size: 1.1rem; }
        header nav a { color: #cfd8e3; text-decoration: none; margin-right: 1rem; }
        header nav a.active, header nav a:hover { color: #fff; text-decoration: underline; }
        main { padding: 1rem 1.2rem 3rem; max-width: 1400px; }
        h1 { font-size: 1.35rem; margin: .2rem 0 1rem; }
        h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; }
        table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
        th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: #eef0f3; font-weight: 600; white-space: nowrap; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        td.wrap, pre { white-space: pre-wrap; word-break: break-word; }
        .health { font-weight: 600; text-transform: uppercase; font-size: .8rem; padding: .1rem .4rem; border-radius: 3px; color: #fff; }
        .health-ok { background: var(--ok); } .health-quarantined { background: var(--warn); } .health-degraded { background: var(--bad); }
        .muted { color: var(--muted); }
        .notice { background: #fff; border-left: 4px solid var(--ok); padding: .5rem .8rem; margin: 0 0 1rem; }
        .notice.error { border-left-color: var(--bad); }
        form.inline { display: inline; }
        input[type=search], input[type=text] { padding: .35rem .5rem; font: inherit; min-width: 18rem; }
        button { font: inherit; padding: .25rem .8rem; cursor: pointer; }
        button.danger { color: var(--bad); }
        pre.file { background: #fff; border: 1px solid var(--line); padding: .8rem; overflow-x: auto; font-size: 13px; }
        .pager a { margin-right: 1rem; }
        #live { font-size: .8rem; color: #cfd8e3; }
        """

    /// Live updates for the overview: each `overview` event's figures go into the cells marked
    /// `data-stage`/`data-field`. Without it (JavaScript off) the page is the same, as of its loading.
    static let js = """
        "use strict";
        (function () {
          if (!window.EventSource || !document.querySelector("[data-live]")) return;
          var live = document.getElementById("live");
          var source = new EventSource("/events");
          source.addEventListener("overview", function (message) {
            var figures = JSON.parse(message.data);
            figures.stages.forEach(function (stage) {
              Object.keys(stage).forEach(function (field) {
                var cell = document.querySelector('[data-stage="' + CSS.escape(stage.name) + '"][data-field="' + field + '"]');
                if (!cell) return;
                cell.textContent = String(stage[field]);
                if (field === "health") cell.className = "health health-" + stage[field];
              });
            });
            var generated = document.querySelector('[data-field="generatedAt"]');
            if (generated) generated.textContent = figures.generatedAt;
            if (live) live.textContent = "live";
          });
          source.onerror = function () { if (live) live.textContent = "reconnecting"; };
        })();
        """
}
