#include "lab/eval/record_files.h"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace ec::eval {

namespace {

std::string readAll(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error(path + ": cannot open");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

bool isRecordLine(const std::string &line)
{
    try {
        recordFromJson(nlohmann::json::parse(line));
        return true;
    } catch (const std::exception &) {
        return false;
    }
}

} // namespace

RecordFile readRecordFile(const std::string &path)
{
    RecordFile file;
    if (!std::filesystem::exists(path))
        return file;
    const std::string text = readAll(path);
    size_t start = 0, lineNumber = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        const bool terminated = end != std::string::npos;
        if (!terminated)
            end = text.size();
        ++lineNumber;
        const std::string line = text.substr(start, end - start);
        start = end + 1;
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        try {
            file.records.push_back(recordFromJson(nlohmann::json::parse(line)));
        } catch (const std::exception &e) {
            if (!terminated) {
                file.truncatedTail = true;
                break;
            }
            throw std::runtime_error(path + ":" + std::to_string(lineNumber) +
                                     ": not a record: " + e.what());
        }
    }
    return file;
}

std::set<std::string> recordKeys(const std::vector<SampleRecord> &records)
{
    std::set<std::string> keys;
    for (const auto &record : records)
        keys.insert(recordKey(record));
    return keys;
}

RecordWriter::RecordWriter(const std::string &path)
    : path_(path)
{
    if (std::filesystem::exists(path)) {
        const std::string text = readAll(path);
        if (!text.empty() && text.back() != '\n') {
            const size_t lastNewline = text.rfind('\n');
            const size_t tailStart = lastNewline == std::string::npos ? 0 : lastNewline + 1;
            if (isRecordLine(text.substr(tailStart)))
                needsNewline_ = true; // complete record, only its newline is missing
            else
                std::filesystem::resize_file(path, tailStart);
        }
    } else if (auto parent = std::filesystem::path(path).parent_path(); !parent.empty()) {
        std::filesystem::create_directories(parent);
    }
    out_.open(path, std::ios::binary | std::ios::app);
    if (!out_)
        throw std::runtime_error(path + ": cannot open for appending");
    if (needsNewline_)
        out_ << '\n';
}

void RecordWriter::write(const SampleRecord &record)
{
    out_ << recordToJson(record).dump() << '\n';
    out_.flush();
    if (!out_)
        throw std::runtime_error(path_ + ": write failed");
}

void sortRecords(std::vector<SampleRecord> &records)
{
    std::stable_sort(records.begin(), records.end(), [](const auto &a, const auto &b) {
        if (a.method != b.method)
            return a.method < b.method;
        if (budgetKey(a.budget) != budgetKey(b.budget))
            return a.budget > b.budget;
        return a.sampleIndex < b.sampleIndex;
    });
}

MergeReport mergeRecordFiles(const std::vector<std::string> &inputs, const std::string &output)
{
    MergeReport report;
    std::vector<SampleRecord> merged;
    std::set<std::string> seen;
    for (const auto &input : inputs) {
        if (!std::filesystem::exists(input))
            throw std::runtime_error(input + ": no such shard output");
        for (auto &record : readRecordFile(input).records) {
            if (seen.insert(recordKey(record)).second)
                merged.push_back(std::move(record));
            else
                ++report.duplicates;
        }
        ++report.inputs;
    }
    sortRecords(merged);
    const std::string temporary = output + ".partial";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out)
            throw std::runtime_error(temporary + ": cannot open for writing");
        for (const auto &record : merged)
            out << recordToJson(record).dump() << '\n';
        if (!out.flush())
            throw std::runtime_error(temporary + ": write failed");
    }
    std::filesystem::rename(temporary, output); // the output is whole or absent
    report.records = static_cast<int64_t>(merged.size());
    return report;
}

} // namespace ec::eval
