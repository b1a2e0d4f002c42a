import CountersignCore

extension ReplayReport {
    /// The report as a document: per policy, overall and per operation, and the difference.
    public var document: JSONValue {
        func side(_ overall: ReplayCounts, _ byOperation: [String: ReplayCounts]) -> JSONValue {
            ReportValue.object([
                ("overall", overall.document),
                ("operations", ReportValue.object(operations.map { ($0, (byOperation[$0] ?? ReplayCounts()).document) })),
            ])
        }
        let differenceByOperation = Dictionary(
            uniqueKeysWithValues: operations.map {
                ($0, (candidateByOperation[$0] ?? ReplayCounts()).subtracting(baselineByOperation[$0] ?? ReplayCounts()))
            })
        return ReportValue.object([
            ("proposals", ReportValue.number(candidate.proposals)),
            ("bad_rows", ReportValue.number(badRows)),
            ("candidate", side(candidate, candidateByOperation)),
            ("baseline", side(baseline, baselineByOperation)),
            ("difference", side(candidate.subtracting(baseline), differenceByOperation)),
        ])
    }

    public var json: String { ReportValue.json(document) }

    /// For people: each cell is the candidate's count and, in brackets, the change from the baseline.
    public var table: String {
        var out = "\(CalibrationReport.thousands(candidate.proposals)) past proposals"
        if !source.isEmpty { out += " from \(source)" }
        if badRows > 0 { out += " (\(CalibrationReport.thousands(badRows)) bad rows skipped)" }
        out += "\ncandidate: \(candidateName.isEmpty ? "the candidate policy" : candidateName); "
        out += "baseline: \(baselineName.isEmpty ? "the built-in default policy" : baselineName)\n"
        out += "each cell: the candidate's count (change from the baseline)\n\n"
        var rows = [["operation", "proposals", "auto", "notify", "approve", "escalate", "human load", "erroneous executions", "held but approved"]]
        func row(_ name: String, _ now: ReplayCounts, _ before: ReplayCounts) -> [String] {
            func cell(_ value: (ReplayCounts) -> Int) -> String {
                let change = value(now) - value(before)
                return CalibrationReport.thousands(value(now))
                    + (change == 0 ? "" : " (\(change > 0 ? "+" : "")\(CalibrationReport.thousands(change)))")
            }
            return [
                name, CalibrationReport.thousands(now.proposals), cell(\.auto), cell(\.notify), cell(\.approve), cell(\.escalate),
                cell(\.humanLoad), cell(\.erroneousExecutions), cell(\.heldButApproved),
            ]
        }
        for operation in operations {
            rows.append(row(operation, candidateByOperation[operation] ?? ReplayCounts(), baselineByOperation[operation] ?? ReplayCounts()))
        }
        rows.append(row("all", candidate, baseline))
        out += TextTable.render(rows, rightAligned: Set(1...8))
        out += "\nerroneous executions: proposals the policy would execute without a human first (auto or notify) that humans "
        out += "rejected (\(candidate.executedRejected)) or whose outcome was erroneous (\(candidate.executedErroneousOutcome)).\n"
        out += "human load: approve + escalate. held but approved: humans were asked and said yes.\n"
        if candidate.unlabelled > 0 {
            out += "\(CalibrationReport.thousands(candidate.unlabelled)) rows had no human decision: they count in the levels only.\n"
        }
        return out
    }
}

extension ReplayCounts {
    var document: JSONValue {
        ReportValue.object([
            ("proposals", ReportValue.number(proposals)),
            ("auto", ReportValue.number(auto)),
            ("notify", ReportValue.number(notify)),
            ("approve", ReportValue.number(approve)),
            ("escalate", ReportValue.number(escalate)),
            ("executed", ReportValue.number(executed)),
            ("human_load", ReportValue.number(humanLoad)),
            ("erroneous_executions", ReportValue.number(erroneousExecutions)),
            ("executed_rejected", ReportValue.number(executedRejected)),
            ("executed_erroneous_outcome", ReportValue.number(executedErroneousOutcome)),
            ("held_but_approved", ReportValue.number(heldButApproved)),
            ("unlabelled", ReportValue.number(unlabelled)),
        ])
    }
}
