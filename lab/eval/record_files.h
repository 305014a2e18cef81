// JSON-lines files of SampleRecords: append with resume, read back, merge shards.
#pragma once

#include "lab/eval/sample_record.h"

#include <cstdint>
#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace ec::eval {

struct RecordFile
{
    std::vector<SampleRecord> records;
    // A last line without its newline that does not parse: a run killed mid-write. It is ignored
    // (that sample runs again on resume); a bad line anywhere else is an error.
    bool truncatedTail = false;
};

// A missing file reads as empty. Throws std::runtime_error naming the file and line.
RecordFile readRecordFile(const std::string &path);

std::set<std::string> recordKeys(const std::vector<SampleRecord> &records);

// Appends one line per record and flushes it, so that a killed run loses at most the sample in
// progress. Opening cuts off a truncated tail left by an earlier run (readRecordFile ignores it).
class RecordWriter
{
public:
    explicit RecordWriter(const std::string &path);
    void write(const SampleRecord &record);

private:
    std::string path_;
    std::ofstream out_;
    bool needsNewline_ = false;
};

struct MergeReport
{
    int64_t inputs = 0;
    int64_t records = 0;    // written
    int64_t duplicates = 0; // same key in several inputs: the first one is kept
};

// Records ordered by method, budget (descending, as the paper's plots read) and sample index.
void sortRecords(std::vector<SampleRecord> &records);

// Reads every input, keeps the first record of each key, sorts, and writes `output` whole.
MergeReport mergeRecordFiles(const std::vector<std::string> &inputs, const std::string &output);

} // namespace ec::eval
