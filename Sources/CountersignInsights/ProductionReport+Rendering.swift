import CountersignCore
import Foundation

extension ProductionReport {
    /// The report as `table`, `json` or `csv`.
    public func rendered(_ format: String) -> String {
        switch format {
        case "json": ReportValue.json(jsonValue)
        case "csv": csv
        default: table
        }
    }

    /// The report as one JSON document.
    public var jsonValue: JSONValue {
        func slice(_ slice: Slice) -> JSONValue {
            ReportValue.object([
                ("proposals", ReportValue.number(slice.proposals)),
                ("auto_completion_rate", ReportValue.number(slice.autoCompletionRate)),
                ("approval_rate", ReportValue.number(slice.approvalRate)),
                ("escalation_rate", ReportValue.number(slice.escalationRate)),
                (
                    "approval_wait_seconds",
                    ReportValue.object([
                        ("mean", ReportValue.number(slice.meanWait)), ("p50", ReportValue.number(slice.medianWait)),
                        ("p95", ReportValue.number(slice.p95Wait)), ("decided", ReportValue.number(slice.waits.count)),
                    ])
                ),
                ("expired", ReportValue.number(slice.expired)),
                ("outcomes_reported", ReportValue.number(slice.outcomes)),
                ("erroneous_execution_rate", ReportValue.number(slice.erroneousRate)),
                ("erroneous_money_actions_per_week", ReportValue.number(Double(slice.erroneousMoney) / weeks)),
            ])
        }
        return ReportValue.object([
            ("since", .string(Timestamp.format(since))),
            ("until", .string(Timestamp.format(until))),
            ("overall", slice(overall)),
            ("per_day", .object(perDay.keys.sorted().map { JSONMember($0, ReportValue.number(perDay[$0]!)) })),
            ("operations", .object(operations.keys.sorted().map { JSONMember($0, slice(operations[$0]!)) })),
            (
                "approvers",
                .object(
                    approvers.keys.sorted().map { name in
                        let approver = approvers[name]!
                        return JSONMember(
                            name,
                            ReportValue.object([
                                ("decisions", ReportValue.number(approver.decisions)), ("approval_rate", ReportValue.number(approver.approvalRate)),
                                ("median_seconds_to_decide", ReportValue.number(approver.medianSeconds)),
                            ]))
                    })
            ),
            ("rubber_stamping_suspects", .array(rubberStampers().map(JSONValue.string))),
        ])
    }

    /// CSV: one row for everything and one per operation.
    public var csv: String {
        var lines = [
            "scope,proposals,auto_completion_rate,approval_rate,escalation_rate,wait_mean_s,wait_p50_s,wait_p95_s,expired,erroneous_execution_rate,erroneous_money_per_week"
        ]
        func cell(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "" }
        func row(_ name: String, _ slice: Slice) -> String {
            [
                name, String(slice.proposals), cell(slice.autoCompletionRate), cell(slice.approvalRate), cell(slice.escalationRate),
                cell(slice.meanWait), cell(slice.medianWait), cell(slice.p95Wait), String(slice.expired), cell(slice.erroneousRate),
                cell(Double(slice.erroneousMoney) / weeks),
            ].joined(separator: ",")
        }
        lines.append(row("overall", overall))
        for name in operations.keys.sorted() { lines.append(row("operation:" + name.replacingOccurrences(of: ",", with: " "), operations[name]!)) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The seed's table, for a terminal.
    public var table: String {
        func percent(_ value: Double?) -> String { value.map { String(format: "%.1f%%", $0 * 100) } ?? "–" }
        func duration(_ seconds: Double?) -> String {
            guard let seconds else { return "–" }
            return seconds < 120 ? String(format: "%.0f s", seconds) : String(format: "%.1f min", seconds / 60)
        }
        let days = max(until.timeIntervalSince(since) / 86400, 1)
        var out = "Countersign production report, \(Timestamp.format(since)) to \(Timestamp.format(until))\n\n"
        let rows: [(String, String)] = [
            ("Proposals", "\(overall.proposals) (\(String(format: "%.1f", Double(overall.proposals) / days)) per day)"),
            ("Auto-completion rate", percent(overall.autoCompletionRate)),
            ("Approval required rate", percent(overall.approvalRate)),
            ("Escalation rate", percent(overall.escalationRate)),
            ("Approval wait (mean / p50 / p95)", "\(duration(overall.meanWait)) / \(duration(overall.medianWait)) / \(duration(overall.p95Wait))"),
            ("Expired (fallback applied)", "\(overall.expired)"),
            ("Erroneous execution rate", "\(percent(overall.erroneousRate)) of \(overall.outcomes) reported outcomes"),
            ("Erroneous money actions", String(format: "%.1f per week", Double(overall.erroneousMoney) / weeks)),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        for (name, value) in rows { out += name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + value + "\n" }
        if !operations.isEmpty {
            out += "\nBy operation:\n"
            out += "operation".padding(toLength: 20, withPad: " ", startingAt: 0) + "  proposals  auto    approval  escalate  wait p50  erroneous\n"
            for name in operations.keys.sorted() {
                let slice = operations[name]!
                out += String(name.prefix(20)).padding(toLength: 20, withPad: " ", startingAt: 0)
                out += "  " + String(slice.proposals).padding(toLength: 9, withPad: " ", startingAt: 0)
                out += "  " + percent(slice.autoCompletionRate).padding(toLength: 6, withPad: " ", startingAt: 0)
                out += "  " + percent(slice.approvalRate).padding(toLength: 8, withPad: " ", startingAt: 0)
                out += "  " + percent(slice.escalationRate).padding(toLength: 8, withPad: " ", startingAt: 0)
                out += "  " + duration(slice.medianWait).padding(toLength: 8, withPad: " ", startingAt: 0)
                out += "  " + percent(slice.erroneousRate) + "\n"
            }
        }
        let suspects = rubberStampers()
        if !suspects.isEmpty {
            out += "\nPossible rubber-stamping (median decision under 10 s and at least 95 % approved over 20+ decisions): "
            out += suspects.joined(separator: ", ") + "\n"
        }
        return out
    }
}
