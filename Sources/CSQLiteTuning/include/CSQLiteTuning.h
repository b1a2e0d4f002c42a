#ifndef CSQLITETUNING_H
#define CSQLITETUNING_H

#include <sqlite3.h>

/// Turns off SQLite's memory statistics (SQLITE_CONFIG_MEMSTATUS) for the whole process. With
/// them on, every allocation SQLite makes takes a global mutex to keep the counts.
/// `sqlite3_config` is variadic, so Swift cannot call it; this does. It works only before SQLite
/// is initialized (before the first connection opens): returns SQLITE_OK (0), or SQLITE_MISUSE.
int countersign_sqlite_disable_memory_statistics(void);

/// Turns SQLITE_DBCONFIG_DEFENSIVE on or off for one connection (`sqlite3_db_config` is variadic
/// too). Defensive connections refuse to edit the schema table, which some SQLite builds make the
/// default; the tests use this to check that the store still opens such a database.
int countersign_sqlite_set_defensive(sqlite3 *db, int on);

#endif
