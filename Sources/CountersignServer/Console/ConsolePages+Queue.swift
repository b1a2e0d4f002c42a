import CountersignCore
import CountersignStore
import Foundation

/// The queue page: counts by agent, operation and risk class (each a link that narrows the queue),
/// the current filter, one page of cards in deadline order, and the link to the next page.
extension ConsolePages {
    /// What one queue page shows.
    struct QueuePage {
        var views: [ApprovalView]
        var filter: ApprovalFilter
        /// Pending approvals matching the filter, all pages.
        var total: Int
        /// Pending counts per value, each with the filter of the other dimensions applied.
        var counts: [QueueDimension: [QueueCount]]
        /// Where the next page starts, when there is one.
        var next: DeadlineCursor?
        var isFirstPage: Bool
        var notice: ConsoleNotice?
        /// The decisions each operation offers (the policy's `operations.<name>.decisions`).
        var decisions: @Sendable (_ operation: String) -> [HumanDecision] = { _ in HumanDecision.allCases }
    }

    static func queue(_ page: QueuePage, approver: String, csrf: String) -> String {
        let cards = page.views.map { card($0, csrf: csrf, decisions: page.decisions($0.proposal.proposal.operation)) }.joined()
        let notice = page.notice.map { #"<p class="error">\#(HTML.escape($0.message))</p>"# } ?? ""
        let empty =
            page.views.isEmpty
            ? #"<div id="empty" class="empty">Nothing waits for you. New approvals appear here as they arrive.</div>"# : ""
        let shown = page.views.count < page.total ? " · showing \(page.views.count)" : ""
        return ConsolePages.page(
            title: "Queue", approver: approver, csrf: csrf, current: "queue",
            body: """
                <h1>Waiting for a human (\(page.total)\(page.filter.narrowsSubject ? " matching" : ""))\(shown)</h1>
                \(filterBar(page.filter))\(countsBlock(page))
                <p class="hint">Earliest deadline first. Y approve · N reject · M take over · J/K move. The queue updates by itself.</p>\(notice)
                <div id="queue">\(empty)\(cards)</div>\(pager(page))
                """)
    }

    /// The active filters, each removable, and a link back to the whole queue.
    static func filterBar(_ filter: ApprovalFilter) -> String {
        guard filter.narrowsSubject else { return "" }
        var parts: [String] = []
        for dimension in QueueDimension.allCases {
            guard let value = value(of: dimension, in: filter) else { continue }
            let without = with(filter, dimension, nil)
            parts.append(
                #"<span class="chip">\#(label(dimension)): <strong>\#(HTML.escape(value))</strong> <a href="\#(HTML.escape(link(without)))" aria-label="remove this filter">×</a></span>"#
            )
        }
        return #"<p class="filters">\#(parts.joined(separator: " "))<a href="/">Show the whole queue</a></p>"#
    }

    /// Per-dimension counts; each value links to the queue narrowed to it.
    static func countsBlock(_ page: QueuePage) -> String {
        var rows = ""
        for dimension in QueueDimension.allCases {
            guard let counts = page.counts[dimension], !counts.isEmpty else { continue }
            let current = value(of: dimension, in: page.filter)
            let links = counts.map { count in
                let chosen = count.value == current ? #" class="current""# : ""
                let target = with(page.filter, dimension, count.value)
                return
                    #"<a href="\#(HTML.escape(link(target)))"\#(chosen)>\#(HTML.escape(count.value)) <span class="count">\#(count.count)</span></a>"#
            }
            rows +=
                #"<div class="counts"><span class="dimension">By \#(label(dimension).lowercased()):</span> \#(links.joined(separator: " "))</div>"#
        }
        return rows
    }

    static func pager(_ page: QueuePage) -> String {
        var links: [String] = []
        if !page.isFirstPage { links.append(#"<a href="\#(HTML.escape(link(page.filter)))">First page</a>"#) }
        if let next = page.next { links.append(#"<a href="\#(HTML.escape(link(page.filter, after: next)))">Next page →</a>"#) }
        return links.isEmpty ? "" : #"<nav class="pager">\#(links.joined(separator: " "))</nav>"#
    }

    /// `/?agent=…&operation=…&risk_class=…[&after=…]`, every value percent-encoded.
    static func link(_ filter: ApprovalFilter, after: DeadlineCursor? = nil) -> String {
        var items: [(String, String)] = []
        if let agent = filter.agent { items.append(("agent", agent)) }
        if let operation = filter.operation { items.append(("operation", operation)) }
        if let riskClass = filter.riskClass { items.append(("risk_class", riskClass)) }
        if let after { items.append(("after", after.token)) }
        guard !items.isEmpty else { return "/" }
        return "/?" + items.map { "\($0.0)=\(queryEncode($0.1))" }.joined(separator: "&")
    }

    /// Percent-encodes every byte that is not an unreserved URI character (RFC 3986), UTF-8 byte by byte.
    static func queryEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    static func label(_ dimension: QueueDimension) -> String {
        switch dimension {
        case .agent: "Agent"
        case .operation: "Operation"
        case .riskClass: "Risk class"
        }
    }

    static func value(of dimension: QueueDimension, in filter: ApprovalFilter) -> String? {
        switch dimension {
        case .agent: filter.agent
        case .operation: filter.operation
        case .riskClass: filter.riskClass
        }
    }

    static func with(_ filter: ApprovalFilter, _ dimension: QueueDimension, _ value: String?) -> ApprovalFilter {
        var filter = filter
        switch dimension {
        case .agent: filter.agent = value
        case .operation: filter.operation = value
        case .riskClass: filter.riskClass = value
        }
        return filter
    }
}
