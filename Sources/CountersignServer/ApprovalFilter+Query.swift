import CountersignStore
import Hummingbird

extension ApprovalFilter {
    /// The query parameters that narrow the queue: `agent`, `operation` and `risk_class`.
    static let queryParameters = ["agent", "operation", "risk_class"]

    /// `?agent=NAME&operation=OP&risk_class=CLASS` (each optional, matched exactly); a value must
    /// be 1 to 256 bytes. The error names the parameter, never the value.
    init(query: Parameters) throws(APIError) {
        self.init()
        for name in Self.queryParameters {
            guard let value = query.get(name) else { continue }
            guard (1...256).contains(value.utf8.count) else { throw APIError.invalidParameter(name, "must be 1 to 256 bytes") }
            switch name {
            case "agent": agent = value
            case "operation": operation = value
            default: riskClass = value
            }
        }
    }
}
