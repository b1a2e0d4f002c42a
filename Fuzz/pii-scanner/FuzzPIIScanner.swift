// libFuzzer target: the content detectors (CountersignCore/Detectors). See CoreInvariants.piiScanner.
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzReport.run(data, size, CoreInvariants.piiScanner)
}
