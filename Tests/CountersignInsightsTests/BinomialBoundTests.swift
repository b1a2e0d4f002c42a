import CountersignCore
import Foundation
import Testing

/// The exact binomial machinery against reference values.
///
/// Provenance of every reference number below: SciPy 1.17.1 on the development machine,
///   python3 -c "from scipy.stats import beta, binom; from scipy.special import betainc; ..."
/// with the Clopper–Pearson lower bound as `beta.ppf(1 - confidence, x, n - x + 1)`, the binomial
/// tail P(X >= x) as `binom.sf(x - 1, n, p)` and I_x(a, b) as `betainc(a, b, x)`.
@Suite struct BinomialBoundTests {
    static let lowerBounds: [(n: Int, x: Int, confidence: Double, bound: Double)] = [
        (10, 10, 0.95, 0.7411344491069478),
        (100, 97, 0.95, 0.92428920625017),
        (30, 30, 0.95, 0.9049661471446959),
        (1000, 950, 0.95, 0.9371365964876203),
        (50, 45, 0.99, 0.7584473562535243),
        (1, 1, 0.95, 0.050000000000000044),
        (200, 190, 0.9, 0.9240102118265292),
        (5000, 4800, 0.95, 0.9551379240028459),
        (59, 59, 0.95, 0.9504923901117731),
        (58, 58, 0.95, 0.9496606616695799),
        (20, 1, 0.95, 0.002561378776530283),
        (1_000_000, 950_500, 0.95, 0.9501417506398646),
        (7, 3, 0.95, 0.12875639280424273),
    ]

    @Test(arguments: lowerBounds.indices)
    func clopperPearsonLowerBoundMatchesSciPy(_ index: Int) {
        let case_ = Self.lowerBounds[index]
        let bound = ClopperPearson.lowerBound(successes: case_.x, trials: case_.n, confidence: case_.confidence)
        #expect(abs(bound - case_.bound) <= 1e-10 * max(case_.bound, 1e-3), "n=\(case_.n) x=\(case_.x): \(bound) vs \(case_.bound)")
    }

    static let tails: [(n: Int, x: Int, p: Double, tail: Double)] = [
        (100, 97, 0.95, 0.2578386591160158),
        (1000, 960, 0.95, 0.08063657325669013),
        (10_000_000, 9_501_000, 0.95, 0.07346410840602939),
        (59, 59, 0.95, 0.04849452524942311),
        (500, 480, 0.9, 4.557480806331813e-07),
        (100_000, 99_990, 0.9999, 0.5830397502973916),
    ]

    @Test(arguments: tails.indices)
    func binomialTailMatchesSciPy(_ index: Int) {
        let case_ = Self.tails[index]
        let tail = ClopperPearson.upperTail(successes: case_.x, trials: case_.n, probability: case_.p)
        #expect(abs(tail - case_.tail) <= 1e-9 * case_.tail, "n=\(case_.n) x=\(case_.x): \(tail) vs \(case_.tail)")
    }

    static let betas: [(x: Double, a: Double, b: Double, value: Double)] = [
        (0.3, 2.5, 4.0, 0.3521975859067672),
        (0.9, 50, 3, 0.09663328513725222),
        (0.5, 0.5, 0.5, 0.5000000000000001),
        (0.001, 0.2, 0.3, 0.16210786958413922),
        (0.95, 9.5e6, 5e5 + 1, 0.5003762499980721),
        (0.2, 0.001, 5.0, 0.9997834456464277),
        (0.999, 3, 2, 0.999994007997),
    ]

    @Test(arguments: betas.indices)
    func incompleteBetaMatchesSciPy(_ index: Int) {
        let case_ = Self.betas[index]
        let value = IncompleteBeta.regularized(case_.x, a: case_.a, b: case_.b)
        #expect(abs(value - case_.value) <= 1e-11, "I_\(case_.x)(\(case_.a), \(case_.b)) = \(value), expected \(case_.value)")
    }

    @Test func incompleteBetaEdgesAndSymmetry() {
        #expect(IncompleteBeta.regularized(0, a: 2, b: 3) == 0)
        #expect(IncompleteBeta.regularized(1, a: 2, b: 3) == 1)
        for (x, a, b) in [(0.2, 3.0, 7.0), (0.7, 40.0, 12.0), (0.01, 0.5, 9.0)] {
            let direct = IncompleteBeta.regularized(x, a: a, b: b)
            let mirrored = IncompleteBeta.complement(1 - x, a: b, b: a)
            #expect(abs(direct - mirrored) < 1e-14)
        }
        // I_x(1, 1) = x and I_x(a, 1) = x^a.
        #expect(abs(IncompleteBeta.regularized(0.37, a: 1, b: 1) - 0.37) < 1e-15)
        #expect(abs(IncompleteBeta.regularized(0.8, a: 5, b: 1) - pow(0.8, 5)) < 1e-15)
    }

    @Test func minimumTrialsIsWhereAllApprovedFirstPasses() {
        // 0.95^59 = 0.0485 <= 0.05 < 0.95^58 = 0.0510: 59 unanimous approvals certify 95% at 95%.
        #expect(ClopperPearson.minimumTrials(target: 0.95, confidence: 0.95) == 59)
        #expect(ClopperPearson.minimumTrials(target: 0.99, confidence: 0.95) == 299)
        #expect(ClopperPearson.minimumTrials(target: 0.5, confidence: 0.95) == 5)
        for (target, confidence) in [(0.95, 0.95), (0.8, 0.99), (0.9, 0.9), (0.5, 0.95)] {
            let n = ClopperPearson.minimumTrials(target: target, confidence: confidence)
            #expect(ClopperPearson.bound(reaches: target, successes: n, trials: n, confidence: confidence))
            #expect(!ClopperPearson.bound(reaches: target, successes: n - 1, trials: n - 1, confidence: confidence))
        }
    }

    /// The fast test (screens, Chernoff, exact tail) agrees with the bound computed by bisection.
    @Test func fastTestAgreesWithTheBound() {
        var generator = SplitMix(seed: 7)
        for _ in 0..<3000 {
            let n = 1 + Int(generator.next() % 3000)
            let x = Int(generator.next() % UInt64(n + 1))
            let target = [0.5, 0.8, 0.9, 0.95, 0.99][Int(generator.next() % 5)]
            let confidence = [0.9, 0.95, 0.99][Int(generator.next() % 3)]
            let bound = ClopperPearson.lowerBound(successes: x, trials: n, confidence: confidence)
            if abs(bound - target) < 1e-12 { continue }
            #expect(ClopperPearson.bound(reaches: target, successes: x, trials: n, confidence: confidence) == (bound >= target), "n=\(n) x=\(x)")
        }
    }

    @Test func lowerBoundIsMonotoneInSuccesses() {
        var previous = -1.0
        for x in 0...200 {
            let bound = ClopperPearson.lowerBound(successes: x, trials: 200, confidence: 0.95)
            #expect(bound > previous)
            previous = bound
        }
    }
}

/// A small deterministic generator for tests (SplitMix64).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
