import CountersignCore
import Foundation

/// The dashboard's charts as inline SVG, drawn here: small pure functions from numbers to markup,
/// no script and no inline styles (the console's CSP forbids both); colours come from classes in
/// the console's stylesheet. Every chart has a `viewBox`, so it scales to the page's width.
enum SVGChart {
    /// One line of a line chart: a value per x position, `nil` where there is no data (a gap).
    struct Series: Sendable, Equatable {
        var name: String
        /// The stylesheet class that colours it (`s0`, `s1`, `s2`).
        var style: String
        var values: [Double?]
    }

    /// The drawing area inside a chart's margins.
    struct Frame: Sendable, Equatable {
        var width = 640.0
        var height = 220.0
        var left = 62.0
        var right = 26.0
        var top = 14.0
        var bottom = 30.0

        var plotWidth: Double { width - left - right }
        var plotHeight: Double { height - top - bottom }
        var baseline: Double { height - bottom }
    }

    /// A linear map from data values to drawing coordinates.
    struct Scale: Sendable, Equatable {
        var domain: ClosedRange<Double>
        var range: ClosedRange<Double>
        /// Whether larger values go to smaller coordinates (a y axis, drawn downwards).
        var inverted = false

        func callAsFunction(_ value: Double) -> Double {
            let span = domain.upperBound - domain.lowerBound
            let fraction = span == 0 ? 0.5 : (min(max(value, domain.lowerBound), domain.upperBound) - domain.lowerBound) / span
            let size = range.upperBound - range.lowerBound
            return inverted ? range.upperBound - fraction * size : range.lowerBound + fraction * size
        }
    }

    /// Axis ticks from 0 to at least `maximum` in steps of 1, 2 or 5 × 10ⁿ, about `count` of them.
    /// Nothing to show (no values, all zero) gives `[0, 1]`.
    static func ticks(upTo maximum: Double, count: Int = 4) -> [Double] {
        guard maximum.isFinite, maximum > 0, count > 0 else { return [0, 1] }
        let rough = maximum / Double(count)
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let residual = rough / magnitude
        let step = (residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10) * magnitude
        var ticks = [0.0]
        while ticks.last! < maximum * (1 - 1e-9) { ticks.append(Double(ticks.count) * step) }
        return ticks
    }

    /// The x coordinate of the `index`-th of `count` points: spread edge to edge, one point centred.
    static func x(_ index: Int, of count: Int, in frame: Frame) -> Double {
        guard count > 1 else { return frame.left + frame.plotWidth / 2 }
        return frame.left + frame.plotWidth * Double(index) / Double(count - 1)
    }

    /// Which of `count` x labels to print so that at most `maximum` appear (always the first and the last).
    static func labelIndices(count: Int, maximum: Int = 8) -> [Int] {
        guard count > 0 else { return [] }
        let stride = max(Int((Double(count) / Double(max(maximum, 1))).rounded(.up)), 1)
        var indices = Array(Swift.stride(from: 0, to: count, by: stride))
        if indices.last != count - 1 {
            if let last = indices.last, count - 1 - last < stride / 2 + 1, indices.count > 1 { indices.removeLast() }
            indices.append(count - 1)
        }
        return indices
    }

    /// A line chart over `labels` (one per x position). `yMaximum` fixes the y axis (1 for rates);
    /// otherwise it fits the data with nice ticks.
    static func lineChart(
        title: String, labels: [String], series: [Series], yMaximum: Double? = nil, format: (Double) -> String
    ) -> String {
        let frame = Frame()
        let values = series.flatMap { $0.values.compactMap { $0 } }
        let ticks = yMaximum.map { top in (0...4).map { top * Double($0) / 4 } } ?? self.ticks(upTo: values.max() ?? 0)
        let y = Scale(domain: 0...(ticks.last ?? 1), range: frame.top...frame.baseline, inverted: true)
        var svg = open(title: title, frame: frame)
        svg += axes(frame: frame, ticks: ticks, y: y, labels: labels, format: format, centred: false)
        if values.isEmpty { return svg + noData(frame) + "</svg>" }
        for line in series {
            var path = ""
            var previous = false
            for (index, value) in line.values.enumerated() {
                guard let value else {
                    previous = false
                    continue
                }
                path += "\(previous ? "L" : "M")\(coordinate(x(index, of: labels.count, in: frame))) \(coordinate(y(value)))"
                previous = true
            }
            svg += #"<path class="line \#(line.style)" d="\#(path)"/>"#
            for (index, value) in line.values.enumerated() {
                guard let value else { continue }
                let label = index < labels.count ? labels[index] : ""
                svg +=
                    #"<circle class="dot \#(line.style)" cx="\#(coordinate(x(index, of: labels.count, in: frame)))" cy="\#(coordinate(y(value)))" r="3">"#
                svg += "<title>\(HTML.escape("\(line.name), \(label): \(format(value))"))</title></circle>"
            }
        }
        return svg + "</svg>"
    }

    /// A bar chart, one bar per label.
    static func barChart(title: String, labels: [String], values: [Double], style: String = "s0", format: (Double) -> String) -> String {
        let frame = Frame()
        let ticks = self.ticks(upTo: values.max() ?? 0)
        let y = Scale(domain: 0...(ticks.last ?? 1), range: frame.top...frame.baseline, inverted: true)
        var svg = open(title: title, frame: frame)
        svg += axes(frame: frame, ticks: ticks, y: y, labels: labels, format: format, centred: true)
        guard !labels.isEmpty, values.contains(where: { $0 > 0 }) else { return svg + noData(frame) + "</svg>" }
        let band = frame.plotWidth / Double(labels.count)
        for (index, value) in values.enumerated() where index < labels.count && value > 0 {
            let top = y(value)
            svg += #"<rect class="bar \#(style)" x="\#(coordinate(frame.left + band * (Double(index) + 0.15)))" y="\#(coordinate(top))" "#
            svg += #"width="\#(coordinate(band * 0.7))" height="\#(coordinate(frame.baseline - top))">"#
            svg += "<title>\(HTML.escape("\(labels[index]): \(format(value))"))</title></rect>"
        }
        return svg + "</svg>"
    }

    /// A reliability diagram: per confidence bin, the share humans approved (bars) against the
    /// diagonal of perfect calibration, a dot at the bin's mean stated confidence, and the number
    /// of decisions under each bin. Bars below the diagonal mean an overconfident agent.
    static func reliabilityDiagram(title: String, _ reliability: Reliability) -> String {
        let frame = Frame(width: 340, height: 340, left: 44, right: 12, top: 12, bottom: 48)
        let x = Scale(domain: 0...1, range: frame.left...(frame.left + frame.plotWidth))
        let y = Scale(domain: 0...1, range: frame.top...frame.baseline, inverted: true)
        var svg = open(title: title, frame: frame)
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            svg +=
                #"<line class="grid" x1="\#(coordinate(frame.left))" x2="\#(coordinate(x(1)))" y1="\#(coordinate(y(tick)))" y2="\#(coordinate(y(tick)))"/>"#
            svg +=
                #"<text class="tick" x="\#(coordinate(frame.left - 6))" y="\#(coordinate(y(tick) + 4))" text-anchor="end">\#(percent(tick))</text>"#
            svg +=
                #"<text class="tick" x="\#(coordinate(x(tick)))" y="\#(coordinate(frame.baseline + 14))" text-anchor="middle">\#(decimal(tick))</text>"#
        }
        svg +=
            #"<line class="axis" x1="\#(coordinate(frame.left))" x2="\#(coordinate(x(1)))" y1="\#(coordinate(frame.baseline))" y2="\#(coordinate(frame.baseline))"/>"#
        svg += #"<line class="diagonal" x1="\#(coordinate(x(0)))" y1="\#(coordinate(y(0)))" x2="\#(coordinate(x(1)))" y2="\#(coordinate(y(1)))"/>"#
        svg +=
            #"<text class="tick" x="\#(coordinate(frame.left + frame.plotWidth / 2))" y="\#(coordinate(frame.height - 4))" text-anchor="middle">stated confidence (n per bin above)</text>"#
        guard reliability.count > 0 else { return svg + noData(frame) + "</svg>" }
        for bin in reliability.bins where bin.count > 0 {
            let left = x(bin.lower)
            let width = x(bin.upper) - left
            let top = y(bin.approvalRate)
            let summary =
                "\(decimal(bin.lower))–\(decimal(bin.upper)): \(bin.count) decided, \(percent(bin.approvalRate)) approved, "
                + "mean confidence \(decimal(bin.meanConfidence))"
            svg += #"<rect class="bar observed" x="\#(coordinate(left + width * 0.1))" y="\#(coordinate(top))" width="\#(coordinate(width * 0.8))" "#
            svg += #"height="\#(coordinate(frame.baseline - top))"><title>\#(HTML.escape(summary))</title></rect>"#
            svg += #"<circle class="dot stated" cx="\#(coordinate(x(bin.meanConfidence)))" cy="\#(coordinate(y(bin.meanConfidence)))" r="3"/>"#
            svg +=
                #"<text class="count" x="\#(coordinate(left + width / 2))" y="\#(coordinate(frame.baseline + 28))" text-anchor="middle">\#(bin.count)</text>"#
        }
        return svg + "</svg>"
    }

    // MARK: Parts

    private static func open(title: String, frame: Frame) -> String {
        let label = HTML.escape(title)
        return
            #"<svg class="chart" viewBox="0 0 \#(coordinate(frame.width)) \#(coordinate(frame.height))" role="img" aria-label="\#(label)" xmlns="http://www.w3.org/2000/svg"><title>\#(label)</title>"#
    }

    private static func axes(
        frame: Frame, ticks: [Double], y: Scale, labels: [String], format: (Double) -> String, centred: Bool
    ) -> String {
        var svg = ""
        for tick in ticks {
            let position = coordinate(y(tick))
            svg +=
                #"<line class="grid" x1="\#(coordinate(frame.left))" x2="\#(coordinate(frame.width - frame.right))" y1="\#(position)" y2="\#(position)"/>"#
            svg +=
                #"<text class="tick" x="\#(coordinate(frame.left - 6))" y="\#(coordinate(y(tick) + 4))" text-anchor="end">\#(HTML.escape(format(tick)))</text>"#
        }
        svg +=
            #"<line class="axis" x1="\#(coordinate(frame.left))" x2="\#(coordinate(frame.width - frame.right))" y1="\#(coordinate(frame.baseline))" y2="\#(coordinate(frame.baseline))"/>"#
        let band = labels.isEmpty ? 0 : frame.plotWidth / Double(labels.count)
        for index in labelIndices(count: labels.count) {
            let position = centred ? frame.left + band * (Double(index) + 0.5) : x(index, of: labels.count, in: frame)
            svg +=
                #"<text class="tick" x="\#(coordinate(position))" y="\#(coordinate(frame.baseline + 18))" text-anchor="middle">\#(HTML.escape(labels[index]))</text>"#
        }
        return svg
    }

    private static func noData(_ frame: Frame) -> String {
        #"<text class="nodata" x="\#(coordinate(frame.left + frame.plotWidth / 2))" y="\#(coordinate(frame.top + frame.plotHeight / 2))" text-anchor="middle">no data in this window</text>"#
    }

    /// A coordinate with at most one decimal: `12`, `12.5`.
    static func coordinate(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    /// `45%`, `2.5%`.
    static func percent(_ value: Double) -> String {
        let tenths = (value * 1000).rounded() / 10
        return tenths == tenths.rounded() || tenths >= 10 ? "\(Int(tenths.rounded()))%" : String(format: "%.1f%%", tenths)
    }

    /// `0.25`, `1`.
    static func decimal(_ value: Double) -> String {
        let text = String(format: "%.2f", value)
        return text.hasSuffix(".00") ? String(text.dropLast(3)) : text
    }

    /// `20 ms`, `1.5 s`, `45 s`, `6.2 min`, `2.5 h`.
    static func seconds(_ value: Double) -> String {
        if value > 0, value < 1 { return "\(Int((value * 1000).rounded())) ms" }
        if value < 10, value != value.rounded() { return String(format: "%.1f s", value) }
        if value < 120 { return "\(Int(value.rounded())) s" }
        if value < 7200 { return String(format: "%.1f min", value / 60) }
        return String(format: "%.1f h", value / 3600)
    }
}
