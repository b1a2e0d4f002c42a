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
                ("shadow", Self.shadowValue(slice.shadow)),
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

    /// Shadow agreement as JSON: the four cells, the undecided, and the rates.
    static func shadowValue(_ shadow: ShadowAgreement) -> JSONValue {
        ReportValue.object([
            ("proposals", ReportValue.number(shadow.total)),
            ("decided", ReportValue.number(shadow.decided)),
            ("agreed", ReportValue.number(shadow.agreed)),
            ("agreement_rate", ReportValue.number(shadow.agreementRate)),
            ("policy_through_human_approved", ReportValue.number(shadow.agreedThrough)),
            ("policy_through_human_rejected", ReportValue.number(shadow.wouldHaveExecutedRejected)),
            ("policy_held_human_approved", ReportValue.number(shadow.unnecessaryHolds)),
            ("policy_held_human_rejected", ReportValue.number(shadow.agreedHeld)),
            ("undecided", ReportValue.number(shadow.undecided)),
        ])
    }

    /// CSV: one row for everything and one per operation.
    public var csv: String {
        var lines = [
            "scope,proposals,auto_completion_rate,approval_rate,escalation_rate,wait_mean_s,wait_p50_s,wait_p95_s,expired,erroneous_execution_rate,erroneous_money_per_week,"
                + "shadow_decided,shadow_agreement_rate,shadow_through_rejected,shadow_unnecessary_holds"
        ]
        func cell(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "" }
        func row(_ name: String, _ slice: Slice) -> String {
            [
                name, String(slice.proposals), cell(slice.autoCompletionRate), cell(slice.approvalRate), cell(slice.escalationRate),
                cell(slice.meanWait), cell(slice.medianWait), cell(slice.p95Wait), String(slice.expired), cell(slice.erroneousRate),
                cell(Double(slice.erroneousMoney) / weeks), String(slice.shadow.decided), cell(slice.shadow.agreementRate),
                String(slice.shadow.wouldHaveExecutedRejected), String(slice.shadow.unnecessaryHolds),
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
        if overall.shadow.total > 0 {
            out += "\nShadow mode (the policy's verdict against the humans' decisions):\n"
            out += "operation".padding(toLength: 20, withPad: " ", startingAt: 0)
            out += "  shadow  decided  agreement  through+rejected  held+approved\n"
            func line(_ name: String, _ shadow: ShadowAgreement) -> String {
                String(name.prefix(20)).padding(toLength: 20, withPad: " ", startingAt: 0) + "  "
                    + String(shadow.total).padding(toLength: 6, withPad: " ", startingAt: 0) + "  "
                    + String(shadow.decided).padding(toLength: 7, withPad: " ", startingAt: 0) + "  "
                    + percent(shadow.agreementRate).padding(toLength: 9, withPad: " ", startingAt: 0) + "  "
                    + String(shadow.wouldHaveExecutedRejected).padding(toLength: 16, withPad: " ", startingAt: 0) + "  "
                    + String(shadow.unnecessaryHolds) + "\n"
            }
            for name in operations.keys.sorted() where operations[name]!.shadow.total > 0 { out += line(name, operations[name]!.shadow) }
            out += line("overall", overall.shadow)
            out += "through+rejected: the policy would have executed an action a human rejected; "
            out += "held+approved: the policy would have held an action a human approved.\n"
        }
        let suspects = rubberStampers()
        if !suspects.isEmpty {
            out += "\nPossible rubber-stamping (median decision under 10 s and at least 95 % approved over 20+ decisions): "
            out += suspects.joined(separator: ", ") + "\n"
        }
        return out
    }
}
