// The history schema and its migrations. Version N is PRAGMA user_version; a fresh file runs
// every migration from 0, so a new store and an upgraded one always have the same schema.
#pragma once

#include "app/history/sqlite_db.h"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace ec::history {

constexpr int kSchemaVersion = 3;
// PRAGMA application_id: "ECht", marks the file as ours.
constexpr int kApplicationId = 0x45436874;

struct MigrationReport
{
    int fromVersion = 0;
    int toVersion = 0;
    std::filesystem::path backup; // empty when nothing needed saving (fresh file, up to date)
};

// Read-only checks, run before anything is written to the file: throws ForeignDatabaseError for
// another program's SQLite file and HistoryError for a schema newer than this build. Returns true
// for a new, empty database (whose page settings may still be chosen).
bool inspectFile(Database &db, const std::filesystem::path &dbPath);

// Brings the database at dbPath to kSchemaVersion. Before changing a file that holds data it
// writes a consistent copy beside it (<file>.v<N>.bak); all steps then run in one IMMEDIATE
// transaction, so a failure leaves the original as it was. Throws HistoryError (newer schema,
// failed step) or ForeignDatabaseError (an SQLite file that is not a history).
MigrationReport migrate(Database &db, const std::filesystem::path &dbPath);

// "CREATE ..." text of every table, index and trigger, sorted: for comparing two files.
std::vector<std::string> schemaDump(Database &db);

} // namespace ec::history
