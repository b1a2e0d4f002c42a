import CountersignLogging
import Logging
import Synchronization
import Testing

/// Log lines keep swift-log's stream format while formatting metadata only when a line is written.
@Suite struct LineLogHandlerTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
    }

    func logger(_ lines: Lines, level: Logger.Level = .info) -> Logger {
        Logger(label: "countersign.test") { label in
            LineLogHandler(label: label, level: level, metadataProvider: nil) { line in lines.lines.withLock { $0.append(line) } }
        }
    }

    @Test func aLineCarriesLevelLabelSortedMetadataSourceAndMessage() throws {
        let lines = Lines()
        var logger = logger(lines)
        logger[metadataKey: "request.id"] = "r-1"
        logger.info("proposal held for a human", metadata: ["approval.id": "a-1", "agent": "bot"])
        let line = try #require(lines.all.first)
        #expect(
            line.hasSuffix(" info countersign.test: agent=bot approval.id=a-1 request.id=r-1 [CountersignLoggingTests] proposal held for a human\n"))
        #expect(line.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4} "#, options: .regularExpression) != nil, "\(line)")
    }

    @Test func linesBelowTheLevelAreNotWritten() {
        let lines = Lines()
        let logger = logger(lines, level: .warning)
        logger.info("quiet")
        logger.debug("quieter")
        logger.warning("heard")
        #expect(lines.all.count == 1)
        #expect(lines.all.first?.contains("warning countersign.test: [CountersignLoggingTests] heard") == true)
    }

    struct Broken: Error {}

    @Test func anErrorIsNamedWithItsType() throws {
        let lines = Lines()
        logger(lines).error("failed", error: Broken())
        let line = try #require(lines.all.first)
        #expect(line.contains("error.message=Broken() error.type=CountersignLoggingTests.LineLogHandlerTests.Broken"), "\(line)")
    }
}
