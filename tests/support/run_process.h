// Runs a command line through the shell and captures its output, for tests of the executables.
#pragma once

#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace ec::test {

struct ProcessResult
{
    int exitCode = -1;
    std::string output; // stdout, and stderr when the command redirects it
};

inline ProcessResult runProcess(const std::string &command)
{
    ProcessResult result;
    FILE *pipe = popen(command.c_str(), "r");
    if (!pipe)
        return result;
    std::array<char, 4096> buffer{};
    size_t n;
    while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
        result.output.append(buffer.data(), n);
    int status = pclose(pipe);
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

} // namespace ec::test
