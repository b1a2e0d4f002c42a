import CountersignCore
import Foundation
import Testing

@testable import CountersignServer

/// The dashboard's SVG drawing: axis ticks, scaling, empty data and a single point.
@Suite struct SVGChartTests {
    @Test(
        arguments: [
            (0.0, [0.0, 1]), (-3, [0, 1]), (.nan, [0, 1]), (.infinity, [0, 1]),
            (1, [0, 0.5, 1]), (0.2, [0, 0.05, 0.1, 0.15, 0.2]), (7, [0, 2, 4, 6, 8]), (10, [0, 5, 10]), (37, [0, 10, 20, 30, 40]),
            (100, [0, 50, 100]), (0.3, [0, 0.1, 0.2, 0.3]), (1234, [0, 500, 1000, 1500]),
        ] as [(Double, [Double])])
    func ticksAreRoundStepsCoveringTheMaximum(maximum: Double, expected: [Double]) {
        let ticks = SVGChart.ticks(upTo: maximum)
        #expect(ticks.count == expected.count)
        for (tick, want) in zip(ticks, expected) { #expect(abs(tick - want) < 1e-9, "\(ticks)") }
        if maximum.isFinite, maximum > 0 { #expect(ticks.last! >= maximum * (1 - 1e-9)) }
    }

    @Test(
        arguments: [
            (0.0, 200.0), (50, 100), (100, 0), (-10, 200), (150, 0),
        ] as [(Double, Double)])
    func anInvertedScaleDrawsUpwardsAndClamps(value: Double, expected: Double) {
        let y = SVGChart.Scale(domain: 0...100, range: 0...200, inverted: true)
        #expect(y(value) == expected)
    }

    @Test func aScaleOverAnEmptyDomainCentres() {
        #expect(SVGChart.Scale(domain: 5...5, range: 10...30)(5) == 20)
    }

    @Test func onePointIsCentredAndManyPointsSpanTheWidth() {
        let frame = SVGChart.Frame()
        #expect(SVGChart.x(0, of: 1, in: frame) == frame.left + frame.plotWidth / 2)
        #expect(SVGChart.x(0, of: 7, in: frame) == frame.left)
        #expect(SVGChart.x(6, of: 7, in: frame) == frame.left + frame.plotWidth)
    }

    @Test(
        arguments: [
            (0, [Int]()), (1, [0]), (7, [0, 1, 2, 3, 4, 5, 6]), (8, [0, 1, 2, 3, 4, 5, 6, 7]),
            (30, [0, 4, 8, 12, 16, 20, 24, 29]),
        ] as [(Int, [Int])])
    func atMostEightXLabelsWithTheFirstAndTheLast(count: Int, expected: [Int]) {
        let indices = SVGChart.labelIndices(count: count)
        #expect(indices == expected)
        #expect(indices.count <= 8)
    }

    @Test func anEmptyChartSaysSoAndDrawsNoLine() {
        let svg = SVGChart.lineChart(
            title: "Rates", labels: ["11-20", "11-21"], series: [.init(name: "auto", style: "s0", values: [nil, nil])], yMaximum: 1,
            format: SVGChart.percent)
        #expect(svg.hasPrefix("<svg ") && svg.hasSuffix("</svg>"))
        #expect(svg.contains("no data in this window"))
        #expect(!svg.contains("<path"))
        let bars = SVGChart.barChart(title: "Proposals", labels: [], values: [], format: { "\($0)" })
        #expect(bars.contains("no data in this window") && !bars.contains("<rect"))
        let diagram = SVGChart.reliabilityDiagram(title: "refund", Reliability())
        #expect(diagram.contains("no data in this window") && diagram.contains(#"class="diagonal""#))
    }

    @Test func aGapBreaksTheLineAndEveryPointHasATooltip() throws {
        let svg = SVGChart.lineChart(
            title: "Rates", labels: ["a", "b", "c", "d"], series: [.init(name: "auto", style: "s0", values: [0.5, nil, 1, 0])], yMaximum: 1,
            format: SVGChart.percent)
        let start = try #require(svg.range(of: #" d=""#))
        let path = svg[start.upperBound...].prefix { $0 != "\"" }
        // Two segments: a lone point (M only) and c–d.
        #expect(path.filter { $0 == "M" }.count == 2)
        #expect(path.filter { $0 == "L" }.count == 1)
        #expect(svg.components(separatedBy: "<circle").count - 1 == 3)
        #expect(svg.contains("<title>auto, c: 100%</title>"))
        // y = 1 is the top of the plot, y = 0 the baseline.
        let frame = SVGChart.Frame()
        #expect(svg.contains(#"cy="\#(SVGChart.coordinate(frame.top))""#))
        #expect(svg.contains(#"cy="\#(SVGChart.coordinate(frame.baseline))""#))
    }

    @Test func onePointChartsDraw() {
        let line = SVGChart.lineChart(
            title: "Wait", labels: ["11-26"], series: [.init(name: "p50", style: "s0", values: [42])], format: SVGChart.seconds)
        let frame = SVGChart.Frame()
        #expect(line.contains(#"<circle class="dot s0" cx="\#(SVGChart.coordinate(frame.left + frame.plotWidth / 2))""#))
        #expect(line.contains("<title>p50, 11-26: 42 s</title>"))
        let bars = SVGChart.barChart(title: "Proposals", labels: ["11-26"], values: [3], format: { String(Int($0)) })
        #expect(bars.components(separatedBy: "<rect").count - 1 == 1)
        #expect(bars.contains("<title>11-26: 3</title>"))
    }

    @Test func labelsAndTitlesAreEscaped() {
        let svg = SVGChart.barChart(title: "<script>", labels: ["a&b"], values: [1], format: { "\($0)" })
        #expect(!svg.contains("<script>") && svg.contains("&lt;script&gt;") && svg.contains("a&amp;b"))
    }

    @Test func theReliabilityDiagramShowsBinsCountsAndTheDiagonal() {
        var reliability = Reliability()
        for _ in 0..<3 { reliability.add(confidence: 0.95, approved: true) }
        reliability.add(confidence: 0.92, approved: false)
        reliability.add(confidence: 0.55, approved: true)
        let svg = SVGChart.reliabilityDiagram(title: "refund", reliability)
        #expect(svg.components(separatedBy: #"<rect class="bar observed""#).count - 1 == 2)
        #expect(svg.contains(#"<text class="count""#) && svg.contains(">4</text>") && svg.contains(">1</text>"))
        #expect(svg.contains("0.90–1: 4 decided, 75% approved, mean confidence 0.94"))
        #expect(svg.contains(#"class="diagonal""#))
    }

    @Test(
        arguments: [
            (0.0, "0 s"), (0.02, "20 ms"), (0.5, "500 ms"), (1.5, "1.5 s"), (42, "42 s"), (119.6, "120 s"), (372, "6.2 min"), (9000, "2.5 h"),
        ] as [(Double, String)])
    func durations(value: Double, text: String) {
        #expect(SVGChart.seconds(value) == text)
    }

    @Test(
        arguments: [(0.0, "0%"), (0.4, "40%"), (0.025, "2.5%"), (1, "100%"), (0.1234, "12%"), (0.07, "7%"), (0.0449, "4.5%")] as [(Double, String)])
    func percentages(value: Double, text: String) {
        #expect(SVGChart.percent(value) == text)
    }
}
