import CountersignCore
import CountersignInsights
import Foundation
import Testing

/// Reading histories: JSON lines and CSV, bad rows with their line numbers, the fast and strict paths.
@Suite struct HistoryReaderTests {
    /// Runs `body` with a reader over `text`.
    static func withReader<T>(_ text: String, _ body: (inout HistoryReader) throws -> T) throws -> T {
        let path = NSTemporaryDirectory() + "countersign-history-\(UUID().uuidString)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let descriptor = open(path, O_RDONLY)
        defer { close(descriptor) }
        var reader = HistoryReader(fileDescriptor: descriptor)
        return try body(&reader)
    }

    static func decisions(_ text: String) throws -> (decisions: [HistoryDecision], reader: HistoryReader) {
        try withReader(text) { reader in
            var decisions: [HistoryDecision] = []
            try reader.forEachDecision { decisions.append($0) }
            return (decisions, reader)
        }
    }

    @Test func jsonLinesWithBadRowsReportedByLine() throws {
        let text = """
            {"agent":"bot","operation":"refund","confidence":0.97,"action":"Refund A-1","approved":true}
            {"operation":"refund","confidence":0.5,"approved":false,"outcome":null,"context":{"a":[1,2,{"b":"\\u00e9"}]}}

            not json
            {"operation":"refund","confidence":1.5,"approved":true}
            {"operation":"refund","confidence":0.9,"approved":"yes"}
            {"operation":"refund","confidence":0.9}
            {"operation":"re\\u0066und","confidence":9.5e-1,"approved":true,"outcome":"erroneous"}
            {"operation":"lookup_order","confidence":0.8,"approved":true,"outcome":"wrong"}
            {"operation":"","confidence":0.8,"approved":true}
            """
        let (decisions, reader) = try Self.decisions(text)
        #expect(reader.format == .jsonLines)
        #expect(
            decisions == [
                HistoryDecision(operation: "refund", confidence: 0.97, approved: true),
                HistoryDecision(operation: "refund", confidence: 0.5, approved: false),
                HistoryDecision(operation: "refund", confidence: 0.95, approved: true, outcome: .erroneous),
            ])
        #expect(!decisions[2].isGood)
        #expect(reader.badRows == 6)
        #expect(reader.problems.map(\.line) == [4, 5, 6, 7, 9, 10])
        #expect(reader.problems[0].message == "expected a JSON object")
        #expect(reader.problems[1].message == "confidence must be a number between 0 and 1")
        #expect(reader.problems[2].message == "approved must be true or false")
        #expect(reader.problems[3].message == "approved is required (true or false)")
        #expect(reader.problems[4].message == "outcome must be succeeded, failed or erroneous")
        #expect(reader.problems[5].message == "operation is required")
    }

    @Test func csvWithAHeaderQuotesAndBadRows() throws {
        let text = #"""
            operation,confidence,approved,outcome,action
            refund,0.97,true,,"Refund A-1, in full"
            "cancel_order",0.4,0,failed,"He said ""no"""
            refund,abc,true,,x
            refund,0.9,maybe,,x
            refund,0.9,true,
            lookup_order, 0.75 ,YES,succeeded,"x"

            """#
        let (decisions, reader) = try Self.decisions(text)
        #expect(reader.format == .csv)
        #expect(
            decisions == [
                HistoryDecision(operation: "refund", confidence: 0.97, approved: true),
                HistoryDecision(operation: "cancel_order", confidence: 0.4, approved: false, outcome: .failed),
                HistoryDecision(operation: "lookup_order", confidence: 0.75, approved: true, outcome: .succeeded),
            ])
        #expect(reader.problems.map(\.line) == [4, 5, 6])
        #expect(reader.problems[2].message == "expected 5 fields as in the header, found 4")
    }

    @Test func aCSVHeaderWithoutTheColumnsIsFatal() throws {
        #expect(throws: HistoryFileError.self) {
            _ = try Self.decisions("operation,score,approved\nrefund,0.9,true\n")
        }
    }

    /// The allocation-free scanner and the strict reader agree on every row they both read.
    @Test func fastAndStrictPathsAgree() throws {
        var generator = SplitMix(seed: 11)
        var lines: [String] = []
        for index in 0..<500 {
            let confidence = (generator.uniform() * 10000).rounded() / 10000
            let spacing = index % 3 == 0 ? " " : ""
            lines.append(
                "{\(spacing)\"operation\"\(spacing):\(spacing)\"op\(index % 7)\",\"confidence\":\(confidence),\"x\":[true,null,-1.5e3,{\"y\":\"\\n\"}],"
                    + "\"approved\":\(index % 4 != 0),\"outcome\":\(index % 5 == 0 ? "\"erroneous\"" : "null")}")
        }
        let (decisions, reader) = try Self.decisions(lines.joined(separator: "\n"))
        #expect(reader.badRows == 0)
        for (line, decision) in zip(lines, decisions) {
            let strict = try line.utf8CString.withUnsafeBufferPointer { buffer in
                try Self.decisions(line).decisions.first
            }
            #expect(strict == decision)
        }
    }

    @Test func replayRowsFromCSVAreValidatedLikeProposals() throws {
        let text = """
            agent,operation,confidence,action,amount,subject,approved,outcome
            bot,refund,0.99,Refund A-1,20.00,c-1,true,
            bot,refund,0.99,Refund A-2,-5,c-1,false,
            bot,refund,0.99,,10,c-1,false,
            """
        try Self.withReader(text) { reader in
            var rows: [(Proposal, HistoryLabel)] = []
            try reader.forEachProposal { proposal, label, _ in rows.append((proposal, label)) }
            #expect(rows.count == 1)
            #expect(rows.first?.0.amount == Decimal(string: "20.00"))
            #expect(rows.first?.1 == HistoryLabel(approved: true))
            #expect(reader.problems.map(\.line) == [3, 4])
            #expect(reader.problems.first?.message.contains("amount") == true)
        }
    }
}
