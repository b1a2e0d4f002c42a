// libFuzzer target: the JSON reader (CountersignCore/JSON). See CoreInvariants.jsonReader.
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzReport.run(data, size, CoreInvariants.jsonReader)
}
