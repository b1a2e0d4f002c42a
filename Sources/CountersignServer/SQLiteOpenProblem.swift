import Foundation

/// Why a SQLite file could not be opened, in words an operator can act on: the path, what SQLite
/// said, and the likely cause found by looking at the file system (a missing folder, a folder or
/// file this user may not write, a path that is a folder).
enum SQLiteOpenProblem {
    static func explain(_ error: any Error, path: String, doing: String) -> ServerError {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let folder = (absolute as NSString).deletingLastPathComponent
        let files = FileManager.default
        var isFolder: ObjCBool = false
        let hint: String
        if !files.fileExists(atPath: folder, isDirectory: &isFolder) || !isFolder.boolValue {
            hint = "the folder \(folder) does not exist: create it, or name another file with --db or database.sqlite"
        } else if files.fileExists(atPath: absolute, isDirectory: &isFolder), isFolder.boolValue {
            hint = "\(absolute) is a folder: name a file in it, such as \((absolute as NSString).appendingPathComponent("countersign.db"))"
        } else if files.fileExists(atPath: absolute), !files.isWritableFile(atPath: absolute) {
            hint = "this user may not write \(absolute): change its owner or permissions, or run as its owner"
        } else if !files.isWritableFile(atPath: folder) {
            hint =
                "this user may not write in \(folder) (SQLite keeps its -wal and -shm files beside the database): change the folder's permissions, or name another file"
        } else {
            hint = "check that the file is a Countersign SQLite database, that the disk is not full, and that no other program holds it locked"
        }
        return ServerError("cannot \(doing) the SQLite database \(path): \(reason(error)); \(hint)")
    }

    /// SQLite's own words (`SQLite error 14: unable to open database file`), without any SQL.
    static func reason(_ error: any Error) -> String {
        let text = "\(error)"
        // GRDB appends the statement (`- while executing ...`): the first clause is the reason.
        return text.components(separatedBy: " - ").first ?? text
    }
}
