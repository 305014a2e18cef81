// A turn that does not fit the positions the model has left (Session::addUserTurns). It is a
// std::invalid_argument, so existing handlers keep working; callers that can end the
// conversation instead of the program catch this type (elastic-lab eval scores the turns left
// as unanswered).
#pragma once

#include <stdexcept>

namespace ec::engine {

class ContextLimitError : public std::invalid_argument
{
public:
    using std::invalid_argument::invalid_argument;
};

} // namespace ec::engine
