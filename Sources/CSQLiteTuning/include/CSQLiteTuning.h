#ifndef CSQLITETUNING_H
#define CSQLITETUNING_H

/// Turns off SQLite's memory statistics (SQLITE_CONFIG_MEMSTATUS) for the whole process. With
/// them on, every allocation SQLite makes takes a global mutex to keep the counts.
/// `sqlite3_config` is variadic, so Swift cannot call it; this does. It works only before SQLite
/// is initialized (before the first connection opens): returns SQLITE_OK (0), or SQLITE_MISUSE.
int countersign_sqlite_disable_memory_statistics(void);

#endif
