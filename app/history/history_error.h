// Errors the history layer reports, each with one message a person can act on.
#pragma once

#include <stdexcept>
#include <string>

namespace ec::history {

class HistoryError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

// The file is an SQLite database, but not an Elastic Chat history (another program's file).
class ForeignDatabaseError : public HistoryError
{
public:
    using HistoryError::HistoryError;
};

} // namespace ec::history
