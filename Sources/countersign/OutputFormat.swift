import ArgumentParser
import CountersignInsights

/// `report --format`.
enum ReportFormat: String, CaseIterable, ExpressibleByArgument {
    case table, json, csv
}

/// `calibrate --format`.
enum CalibrationFormat: String, CaseIterable, ExpressibleByArgument {
    case table, json, yaml
}

/// `replay --format`.
enum ReplayFormat: String, CaseIterable, ExpressibleByArgument {
    case table, json
}

/// `calibrate --by operation|risk_class`.
extension CalibrationGrouping: ExpressibleByArgument {}
