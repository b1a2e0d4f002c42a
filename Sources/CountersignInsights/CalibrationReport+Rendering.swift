import CountersignCore
import Foundation

extension CalibrationReport {
    /// The report as a document: CONTRACT §5's members first, then the rest of the evidence.
    public var document: JSONValue {
        ReportValue.object([
            ("target", ReportValue.number(settings.target)),
            ("confidence", ReportValue.number(settings.confidence)),
            ("by", .string(settings.grouping.rawValue)),
            ("min_samples", ReportValue.number(settings.minimumSamples)),
            ("notify_target", ReportValue.number(settings.notifyTarget)),
            ("approve_target", ReportValue.number(settings.approveTarget)),
            ("records", ReportValue.number(records)),
            ("bad_rows", ReportValue.number(badRows)),
            ("groups", .array(groups.map(\.document))),
        ])
    }

    /// `--format json`: one JSON document.
    public var json: String { ReportValue.json(document) }

    /// `--format yaml`: the same document as YAML.
    public var yaml: String { ReportValue.yaml(document) }

    /// `--format table`: for people.
    public var table: String {
        var out = "\(Self.thousands(records)) decisions"
        if !source.isEmpty { out += " from \(source)" }
        if badRows > 0 { out += " (\(Self.thousands(badRows)) bad rows skipped)" }
        out += ", by \(settings.grouping == .operation ? "operation" : "risk class")\n"
        out += "auto: approval rate >= \(Self.percent(settings.target)) with \(Self.percent(settings.confidence)) confidence; "
        out += "notify >= \(Self.percent(settings.notifyTarget)); approve >= \(Self.percent(settings.approveTarget)); "
        out += "at least \(settings.minimumSamples) decisions\n\n"
        var rows = [["group", "n", "approved", "auto", "n above", "rate above", "lower bound", "notify", "approve", "now (a/n/p)"]]
        for group in groups {
            let chosen = group.auto.chosen
            rows.append([
                group.key, Self.thousands(group.count), Self.percent(Double(group.approved) / Double(max(group.count, 1))),
                Self.threshold(group.auto.threshold), chosen.map { Self.thousands($0.count) } ?? "-",
                chosen.map { Self.percent($0.approvalRate) } ?? "-", chosen.map { Self.percent($0.lowerBound, down: true) } ?? "-",
                Self.threshold(group.notify.threshold), Self.threshold(group.approve.threshold),
                "\(group.current.auto)/\(group.current.notify)/\(group.current.approve)",
            ])
        }
        out += TextTable.render(rows, rightAligned: Set(1...8))
        let missing = groups.filter { $0.auto.threshold == nil }
        if !missing.isEmpty {
            out += "\nno auto threshold:\n"
            for group in missing { out += "  \(group.key): \(group.auto.reason ?? "")\n" }
        }
        out += "\nconfidence quality (stated confidence vs observed approval rate):\n"
        var quality = [["group", "mean confidence", "approval rate", "ECE", "Brier", ""]]
        for group in groups {
            let reliability = group.reliability
            let gap = reliability.meanConfidence - reliability.approvalRate
            let verdict = gap > 0.05 ? "overconfident" : gap < -0.05 ? "underconfident" : ""
            quality.append([
                group.key, Self.decimal(reliability.meanConfidence), Self.percent(reliability.approvalRate),
                Self.decimal(reliability.expectedCalibrationError), Self.decimal(reliability.brierScore), verdict,
            ])
        }
        out += TextTable.render(quality, rightAligned: [1, 2, 3, 4])
        for group in groups {
            out += "\n\(group.key): reliability by stated confidence\n"
            var bins = [["confidence", "n", "mean confidence", "approved", "gap"]]
            for bin in group.reliability.bins where bin.count > 0 {
                bins.append([
                    "\(Self.decimal(bin.lower, 2))-\(Self.decimal(bin.upper, 2))", Self.thousands(bin.count), Self.decimal(bin.meanConfidence),
                    Self.percent(bin.approvalRate), Self.signed(bin.gap),
                ])
            }
            out += TextTable.render(bins, rightAligned: [1, 2, 3, 4])
        }
        return out
    }

    /// The comment block written above the thresholds in `--out`.
    public func evidence(generatedAt: Date = Date()) -> [String] {
        var lines = [
            "Thresholds calibrated by `countersign calibrate` on \(Timestamp.format(generatedAt))",
            "from \(source.isEmpty ? "past decisions" : source): \(Self.thousands(records)) decisions"
                + (badRows > 0 ? " (\(Self.thousands(badRows)) bad rows skipped)" : "") + ", by \(settings.grouping.rawValue).",
            "Each threshold is the lowest confidence at or above which humans approved at least the target share,",
            "shown by a one-sided \(Self.percent(settings.confidence)) Clopper-Pearson lower bound (fixed-sequence tests from the top,",
            "at least \(settings.minimumSamples) decisions). Targets: auto \(Self.percent(settings.target)), "
                + "notify \(Self.percent(settings.notifyTarget)), approve \(Self.percent(settings.approveTarget)).",
            "Where no threshold qualifies, the current one is kept; notify and approve never exceed the level above.",
        ]
        for group in groups {
            lines.append("")
            let header = group.riskClass.map { "\(group.key) (\($0))" } ?? group.key
            lines.append(
                "\(header): \(Self.thousands(group.count)) decisions, \(Self.percent(Double(group.approved) / Double(max(group.count, 1)))) approved; "
                    + "ECE \(Self.decimal(group.reliability.expectedCalibrationError)), Brier \(Self.decimal(group.reliability.brierScore))")
            let proposed = group.proposed
            for (name, finding, current, written) in [
                ("auto", group.auto, group.current.auto, proposed?.auto), ("notify", group.notify, group.current.notify, proposed?.notify),
                ("approve", group.approve, group.current.approve, proposed?.approve),
            ] {
                if let chosen = finding.chosen {
                    var line = "  \(name) \(chosen.threshold): \(Self.thousands(chosen.count)) decisions at or above, "
                    line += "\(Self.percent(chosen.approvalRate)) approved, lower bound \(Self.percent(chosen.lowerBound, down: true))"
                    if let written, written != chosen.threshold { line += "; written as \(written) to stay below the level above" }
                    lines.append(line)
                } else {
                    lines.append("  \(name): none qualifies (\(finding.reason ?? "")); kept \(written ?? current)")
                }
            }
            if proposed == nil { lines.append("  unchanged") }
        }
        return lines
    }

    static func percent(_ value: Double, down: Bool = false) -> String {
        let scaled = value * 1000
        let shown = (down ? (scaled + 1e-9).rounded(.down) : scaled.rounded()) / 10
        return shown == shown.rounded() ? "\(Int(shown))%" : String(format: "%.1f%%", shown)
    }

    static func decimal(_ value: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", value) }
    static func signed(_ value: Double) -> String { String(format: "%+.3f", value) }
    static func threshold(_ value: Double?) -> String { value.map { "\($0)" } ?? "none" }

    static func thousands(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (position, character) in digits.enumerated() {
            if position > 0, (digits.count - position) % 3 == 0 { out += "," }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }
}

extension CalibrationReport.Group {
    var document: JSONValue {
        let chosen = auto.chosen
        var members: [(String, JSONValue)] = [
            ("key", .string(key)),
            ("n", ReportValue.number(count)),
            ("auto_threshold", ReportValue.number(auto.threshold)),
            ("n_above", ReportValue.number(chosen?.count)),
            ("approval_rate_above", ReportValue.number(chosen?.approvalRate)),
            ("lower_bound", ReportValue.number(chosen?.lowerBound)),
        ]
        if let reason = auto.reason { members.append(("reason", .string(reason))) }
        if let riskClass { members.append(("risk_class", .string(riskClass))) }
        members += [
            ("approved", ReportValue.number(approved)),
            ("notify_threshold", ReportValue.number(notify.threshold)),
            ("approve_threshold", ReportValue.number(approve.threshold)),
            ("auto", Self.document(auto)),
            ("notify", Self.document(notify)),
            ("approve", Self.document(approve)),
            ("current", Self.document(current)),
            ("proposed", proposed.map(Self.document) ?? .null),
            (
                "reliability",
                ReportValue.object([
                    ("mean_confidence", ReportValue.number(reliability.meanConfidence)),
                    ("approval_rate", ReportValue.number(reliability.approvalRate)),
                    ("ece", ReportValue.number(reliability.expectedCalibrationError)),
                    ("brier", ReportValue.number(reliability.brierScore)),
                    (
                        "bins",
                        .array(
                            reliability.bins.map { bin in
                                ReportValue.object([
                                    ("lower", ReportValue.number(bin.lower)), ("upper", ReportValue.number(bin.upper)),
                                    ("n", ReportValue.number(bin.count)),
                                    ("mean_confidence", bin.count > 0 ? ReportValue.number(bin.meanConfidence) : .null),
                                    ("approval_rate", bin.count > 0 ? ReportValue.number(bin.approvalRate) : .null),
                                ])
                            })
                    ),
                ])
            ),
        ]
        return ReportValue.object(members)
    }

    static func document(_ finding: ThresholdFinding) -> JSONValue {
        let chosen = finding.chosen
        var members: [(String, JSONValue)] = [
            ("target", ReportValue.number(finding.criterion.target)),
            ("threshold", ReportValue.number(finding.threshold)),
            ("n_above", ReportValue.number(chosen?.count)),
            ("approval_rate_above", ReportValue.number(chosen?.approvalRate)),
            ("lower_bound", ReportValue.number(chosen?.lowerBound)),
            ("tests", ReportValue.number(finding.testsRun)),
        ]
        if let stop = finding.stoppedAt {
            members.append(
                (
                    "stopped_at",
                    ReportValue.object([
                        ("threshold", ReportValue.number(stop.threshold)), ("n_above", ReportValue.number(stop.count)),
                        ("approval_rate_above", ReportValue.number(stop.approvalRate)), ("lower_bound", ReportValue.number(stop.lowerBound)),
                    ])
                ))
        }
        if let reason = finding.reason { members.append(("reason", .string(reason))) }
        return ReportValue.object(members)
    }

    static func document(_ thresholds: Thresholds) -> JSONValue {
        ReportValue.object([
            ("auto", ReportValue.number(thresholds.auto)), ("notify", ReportValue.number(thresholds.notify)),
            ("approve", ReportValue.number(thresholds.approve)),
        ])
    }
}

/// Left- or right-aligned columns separated by two spaces.
enum TextTable {
    static func render(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        guard let width = rows.map(\.count).max() else { return "" }
        var widths = [Int](repeating: 0, count: width)
        for row in rows { for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) } }
        var out = ""
        for row in rows {
            var line = ""
            for (column, cell) in row.enumerated() {
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                if column > 0 { line += "  " }
                line += rightAligned.contains(column) ? padding + cell : cell + padding
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
