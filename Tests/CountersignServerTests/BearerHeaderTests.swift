import Hummingbird
import Testing

@testable import CountersignServer

/// `Authorization: Bearer <secret>` as the authentication middleware reads it.
@Suite struct BearerHeaderTests {
    @Test(
        arguments: [
            ("Bearer abc123", "abc123"),
            ("bearer abc123", "abc123"),
            ("BEARER abc123", "abc123"),
            ("Bearer   abc123  ", "abc123"),
            ("Bearer \tabc-_.~+/=", "abc-_.~+/="),
            ("Bearer ", nil),
            ("Bearer    ", nil),
            ("Bearerabc123", nil),
            ("Basic YWxhZGRpbjpvcGVuc2VzYW1l", nil),
            ("Bearez abc", nil),
            ("Bearer\u{0}abc", nil),
            ("", nil),
            ("Beärer abc", nil),
        ] as [(String, String?)])
    func secret(header: String, expected: String?) {
        #expect(AuthenticationMiddleware.bearerSecret(header) == expected)
    }

    @Test func oneAuthorizationFieldIsReadAndTwoAreRefused() throws {
        #expect(try AuthenticationMiddleware.authorization([.contentType: "application/json"]) == nil)
        #expect(try AuthenticationMiddleware.authorization([.authorization: "Bearer abc123"]) == "Bearer abc123")
        var twice = HTTPFields()
        twice[values: .authorization] = ["Bearer abc123", "Bearer other"]
        #expect(throws: APIError.self) { try AuthenticationMiddleware.authorization(twice) }
    }
}
