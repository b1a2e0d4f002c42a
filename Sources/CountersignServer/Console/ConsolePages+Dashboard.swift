import CountersignCore
import CountersignInsights
import Foundation

/// The dashboard: the production report of `countersign report` as charts over time, shadow
/// agreement, rubber-stamping suspects, and a reliability diagram per operation.
extension ConsolePages {
    /// The windows the dashboard offers, by their `?since=` value, in days.
    static let dashboardWindows: [(name: String, days: Int)] = [("7d", 7), ("30d", 30)]

    static func dashboard(_ report: ProductionReport, window: String, truncated: Bool, approver: String, csrf: String) -> String {
        let days = report.days
        let labels = days.map { String($0.suffix(5)) }
        let slices = days.map { report.daily[$0] ?? ProductionReport.Slice() }
        let overall = report.overall
        var body = #"<div class="dash-head"><h1>Dashboard</h1><nav class="windows">"#
        for (name, count) in dashboardWindows {
            body += #"<a href="/dashboard?since=\#(name)" class="\#(name == window ? "current" : "")">\#(count) days</a>"#
        }
        body += "</nav></div>"
        if truncated {
            body +=
                #"<p class="error">This window holds more proposals than the dashboard reads; the figures cover the oldest ones only. Use <code>countersign report</code> for all of them.</p>"#
        }

        // The production table in figures.
        let perDay = Double(overall.proposals) / Double(max(days.count, 1))
        var tiles: [(String, String)] = [
            ("Proposals", "\(overall.proposals) (\(String(format: "%.1f", perDay))/day)"),
            ("Auto-completion", rate(overall.autoCompletionRate)),
            ("Approval required", rate(overall.approvalRate)),
            ("Escalated", rate(overall.escalationRate)),
            ("Approval wait p50 / p95", "\(wait(overall.medianWait)) / \(wait(overall.p95Wait))"),
            ("Expired", "\(overall.expired)"),
            ("Erroneous executions", overall.outcomes == 0 ? "no outcomes" : "\(rate(overall.erroneousRate)) of \(overall.outcomes)"),
        ]
        if overall.shadow.total > 0 { tiles.append(("Shadow agreement", "\(rate(overall.shadow.agreementRate)) of \(overall.shadow.decided)")) }
        body += #"<div class="tiles">"#
        for (name, value) in tiles {
            body += #"<div class="tile"><div class="name">\#(name)</div><div class="value">\#(HTML.escape(value))</div></div>"#
        }
        body += "</div>"

        let percent = SVGChart.percent
        body += figure(
            "Proposals per day",
            SVGChart.barChart(title: "Proposals per day", labels: labels, values: slices.map { Double($0.proposals) }, format: count))
        body += figure(
            "Auto-completion, approval and escalation rates",
            SVGChart.lineChart(
                title: "Auto-completion, approval and escalation rates per day", labels: labels,
                series: [
                    .init(name: "auto-completion", style: "s0", values: slices.map(\.autoCompletionRate)),
                    .init(name: "approval required", style: "s1", values: slices.map(\.approvalRate)),
                    .init(name: "escalated", style: "s2", values: slices.map(\.escalationRate)),
                ], yMaximum: 1, format: percent),
            legend: [("s0", "auto-completion"), ("s1", "approval required"), ("s2", "escalated")])
        body += figure(
            "Approval wait",
            SVGChart.lineChart(
                title: "Approval wait per day, p50 and p95", labels: labels,
                series: [
                    .init(name: "p50", style: "s0", values: slices.map(\.medianWait)),
                    .init(name: "p95", style: "s1", values: slices.map(\.p95Wait)),
                ], format: SVGChart.seconds),
            legend: [("s0", "p50"), ("s1", "p95")])
        body += figure(
            "Expired approvals (fallback applied)",
            SVGChart.barChart(
                title: "Expired approvals per day", labels: labels, values: slices.map { Double($0.expired) }, style: "s2", format: count))
        body += figure(
            "Erroneous execution rate",
            SVGChart.lineChart(
                title: "Erroneous execution rate per day (of reported outcomes)", labels: labels,
                series: [.init(name: "erroneous", style: "s2", values: slices.map(\.erroneousRate))], format: percent))
        body += shadowSection(report, labels: labels, slices: slices)

        let suspects = report.rubberStampers()
        body += "<h2>Rubber-stamping signals</h2>"
        body +=
            suspects.isEmpty
            ? #"<p class="hint">No approver decides in under 10 s (median) while approving at least 95 % of 20 or more decisions.</p>"#
            : #"<p class="error">Possible rubber-stamping (median decision under 10 s, at least 95 % approved over 20+ decisions): \#(suspects.map(HTML.escape).joined(separator: ", "))</p>"#

        body += "<h2>Confidence reliability per operation</h2>"
        body +=
            #"<p class="hint">Bars: the share of decided approvals humans approved, per stated-confidence bin; dots: the bin's mean stated confidence; the diagonal is perfect calibration. Bars below the diagonal mean an overconfident agent.</p>"#
        if report.reliability.isEmpty {
            body += #"<div class="empty">No decided approvals in this window.</div>"#
        } else {
            body += #"<div class="reliability">"#
            for operation in report.reliability.keys.sorted() {
                let reliability = report.reliability[operation]!
                body += #"<figure class="diagram"><figcaption><strong>\#(HTML.escape(operation))</strong> · \#(reliability.count) decided · "#
                body +=
                    "ECE \(String(format: "%.3f", reliability.expectedCalibrationError)) · Brier \(String(format: "%.3f", reliability.brierScore))</figcaption>"
                body += SVGChart.reliabilityDiagram(title: "Reliability of \(operation)", reliability)
                body += "</figure>"
            }
            body += "</div>"
        }
        return page(title: "Dashboard", approver: approver, csrf: csrf, current: "dashboard", body: body)
    }

    /// Shadow mode: agreement per day, and the four outcomes per operation.
    private static func shadowSection(_ report: ProductionReport, labels: [String], slices: [ProductionReport.Slice]) -> String {
        var html = "<h2>Shadow mode</h2>"
        guard report.overall.shadow.total > 0 else {
            return html + #"<p class="hint">No proposal in this window was decided in shadow mode.</p>"#
        }
        html += figure(
            "Policy and humans agreeing",
            SVGChart.lineChart(
                title: "Shadow agreement per day", labels: labels,
                series: [.init(name: "agreement", style: "s0", values: slices.map(\.shadow.agreementRate))], yMaximum: 1,
                format: SVGChart.percent))
        html += #"<table class="shadow"><thead><tr><th>Operation</th><th>Shadow</th><th>Decided</th><th>Agreement</th>"#
        html += "<th>Policy through, human rejected</th><th>Policy held, human approved</th></tr></thead><tbody>"
        var rows = report.operations.keys.sorted().compactMap { name in
            report.operations[name].flatMap { $0.shadow.total > 0 ? (name, $0.shadow) : nil }
        }
        rows.append(("overall", report.overall.shadow))
        for (name, shadow) in rows {
            html += "<tr><td>\(HTML.escape(name))</td><td>\(shadow.total)</td><td>\(shadow.decided)</td><td>\(rate(shadow.agreementRate))</td>"
            html += "<td>\(shadow.wouldHaveExecutedRejected)</td><td>\(shadow.unnecessaryHolds)</td></tr>"
        }
        return html + "</tbody></table>"
    }

    private static func figure(_ caption: String, _ svg: String, legend: [(String, String)] = []) -> String {
        var html = #"<figure class="panel"><figcaption>\#(HTML.escape(caption))"#
        if !legend.isEmpty {
            html += #"<span class="legend">"#
            for (style, name) in legend { html += #"<span class="key \#(style)">\#(HTML.escape(name))</span>"# }
            html += "</span>"
        }
        return html + "</figcaption>\(svg)</figure>"
    }

    private static func rate(_ value: Double?) -> String { value.map(SVGChart.percent) ?? "–" }
    private static func wait(_ value: Double?) -> String { value.map(SVGChart.seconds) ?? "–" }
    private static func count(_ value: Double) -> String { String(Int(value.rounded())) }
}
