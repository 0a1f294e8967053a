import FerryPipeline
import Foundation
import Hummingbird
import Logging
import Mustache

/// What every page needs besides its own figures: who is looking, the form token, the query.
struct Page: Sendable {
    var user: String
    var csrf: (token: String, isNew: Bool)
    var query: [String: String]
}

/// A quarantined file as the quarantine page lists it.
struct QuarantinedFile: Sendable {
    var stage: String
    var name: String
    var path: String
    var pathQuery: String
    var reason: String
    var modified: String
    var size: Int
}

extension ConsoleService {
    enum Action: String { case retry, dismiss }

    func overview(_ pipeline: Pipeline, _ page: Page) async throws -> Response {
        let overview = try await offload { try Overview.read(pipeline: pipeline) }
        return render("overview", title: "Overview", nav: "overview", page: page, overview)
    }

    func orders(_ pipeline: Pipeline, _ page: Page) async throws -> Response {
        let term = (page.query["q"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !term.isEmpty else {
            // Before a search: the latest refusals, the orders an operator most often has to look into.
            let refusals = try await offload { try OrderSearch.recentRefusals(pipeline: pipeline) }
            return render("orders", title: "Orders", nav: "orders", page: page, nil as OrderSearch?, extra: ["refusals": ["rows": refusals]])
        }
        guard term.count >= 2, term.count <= 200 else {
            return render("orders", title: "Orders", nav: "orders", page: page, nil as OrderSearch?, error: "Search for 2 to 200 characters: an increment id, an entity id, a Sage order number, an e-mail or a name.")
        }
        let result = try await offload { try OrderSearch.run(term, pipeline: pipeline) }
        return render("orders", title: "Orders: \(term)", nav: "orders", page: page, result, extra: ["query": term])
    }

    func quarantine(_ pipeline: Pipeline, _ page: Page) async throws -> Response {
        let files = try await offload { try Self.quarantined(pipeline) }
        var message: String?
        if let done = page.query["done"], let name = page.query["file"] {
            message = done == "retry" ? "“\(name)” is back in its stage's folder and runs again." : done == "dismiss" ? "“\(name)” was dismissed to the archive with your note." : nil
        }
        return render("quarantine", title: "Quarantine", nav: "quarantine", page: page, files, message: message, key: "files")
    }

    func file(_ pipeline: Pipeline, _ page: Page) async throws -> Response {
        let path = page.query["path"] ?? ""
        let folders = FerryFolders(config: pipeline.config)
        if let problem = folders.problem(with: path) {
            return Self.text("cannot show \(path): \(problem)\n", status: .notFound)
        }
        let number = Int(page.query["page"] ?? "") ?? 0
        let content = try await offload { try FilePage.read(path: path, page: number) }
        let failedRoot = pipeline.config.failedFolder.standardizedFileURL.path
        let quarantined = path.hasPrefix(failedRoot + "/")
        let reason = quarantined ? (try? String(contentsOfFile: path + ".error.txt", encoding: .utf8)).map(Redaction.scrub) : nil
        let view: [String: Any] = [
            "name": URL(fileURLWithPath: path).lastPathComponent, "path": path, "pathQuery": Self.queryValue(path), "size": content.size,
            "paged": content.pages > 1, "pageNumber": content.page + 1, "pages": content.pages, "text": content.text,
            "hasPrevious": content.page > 0, "previous": content.page - 1, "hasNext": content.page + 1 < content.pages, "next": content.page + 1,
            "quarantined": quarantined, "hasReason": reason != nil, "reason": reason ?? "",
        ]
        return render("file", title: URL(fileURLWithPath: path).lastPathComponent, nav: quarantined ? "quarantine" : "orders", page: page, view)
    }

    func runs(_ pipeline: Pipeline, _ page: Page) async throws -> Response {
        let runs = try await offload { try RecentRuns.read(pipeline: pipeline) }
        return render("runs", title: "Runs", nav: "runs", page: page, runs)
    }

    /// Retry (the same operation as `ferry retry`) or Dismiss (to the archive with a note), logged with who and what.
    func act(_ action: Action, form: [String: String], user: String, pipeline: Pipeline) async throws -> Response {
        let path = form["path"] ?? ""
        let folders = FerryFolders(config: pipeline.config)
        let failedRoot = pipeline.config.failedFolder.standardizedFileURL.path
        if let problem = folders.problem(with: path) ?? (path.hasPrefix(failedRoot + "/") ? nil : "not a quarantined file") {
            logger.warning("console: refused an action", metadata: ["ferry.user": "\(user)", "ferry.action": "\(action.rawValue)", "ferry.file": "\(path)", "ferry.reason": "\(problem)"])
            return Self.text("cannot \(action.rawValue) \(path): \(problem)\n", status: .notFound)
        }
        let note = String((form["note"] ?? "").prefix(500))
        let placed = try await offload {
            switch action {
            case .retry: try pipeline.retry(URL(fileURLWithPath: path))
            case .dismiss: try pipeline.dismiss(URL(fileURLWithPath: path), by: user, note: note)
            }
        }
        logger.notice(
            "console: \(action == .retry ? "retried" : "dismissed") a quarantined file",
            metadata: ["ferry.user": "\(user)", "ferry.action": "\(action.rawValue)", "ferry.file": "\(path)", "ferry.to": "\(placed.path)", "ferry.note": "\(note)"])
        var response = Response(status: .seeOther)
        response.headers[.location] = "/quarantine?done=\(action.rawValue)&file=\(Self.queryValue(URL(fileURLWithPath: path).lastPathComponent))"
        return response
    }

    /// Every file in `failed/<stage>/`, with the reason `ferry status` reads.
    static func quarantined(_ pipeline: Pipeline) throws -> [QuarantinedFile] {
        try StatusReport(pipeline: pipeline).stages.flatMap { stage in
            stage.failed.map { failure in
                var info = stat()
                let known = lstat(failure.file, &info) == 0
                return QuarantinedFile(
                    stage: stage.name, name: URL(fileURLWithPath: failure.file).lastPathComponent, path: failure.file,
                    pathQuery: queryValue(failure.file), reason: failure.reason,
                    modified: known ? Overview.time(Double(info.st_mtim.tv_sec)) : "", size: known ? Int(info.st_size) : 0)
            }
        }
    }

    /// A value percent-encoded for a query string (only unreserved characters and `/` stay as they are).
    static func queryValue(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/")) ?? ""
    }

    /// Renders a page with the layout's context; a new CSRF token is set as the cookie the forms must match.
    func render(
        _ template: String, title: String, nav: String, page: Page, _ model: Any?, message: String? = nil, error: String? = nil,
        key: String = "page", extra: [String: Any] = [:]
    ) -> Response {
        var context: [String: Any] = [
            "title": title, "user": page.user, "csrf": page.csrf.token, "nav": [nav: true], "query": page.query["q"] ?? "",
        ]
        if let model { context[key] = model }
        if let message { context["message"] = message }
        if let error { context["error"] = error }
        context.merge(extra) { $1 }
        let html = templates.render(context, withTemplate: template) ?? "template \(template) missing"
        var response = Self.text(html, type: "text/html; charset=utf-8")
        if page.csrf.isNew { response.headers[.setCookie] = ConsoleSecurity.csrfSetCookie(page.csrf.token) }
        return response
    }
}
