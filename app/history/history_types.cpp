#include "app/history/history_types.h"

#include <stdexcept>

namespace ec::history {

const char *toString(Role role)
{
    switch (role) {
    case Role::System:
        return "system";
    case Role::User:
        return "user";
    case Role::Assistant:
        return "assistant";
    }
    return "user";
}

const char *toString(MessageStatus status)
{
    switch (status) {
    case MessageStatus::Streaming:
        return "streaming";
    case MessageStatus::Complete:
        return "complete";
    case MessageStatus::Cancelled:
        return "cancelled";
    case MessageStatus::Failed:
        return "failed";
    case MessageStatus::Incomplete:
        return "incomplete";
    }
    return "incomplete";
}

Role roleFromString(const std::string &text)
{
    for (Role r : {Role::System, Role::User, Role::Assistant})
        if (text == toString(r))
            return r;
    throw std::invalid_argument(std::string("unknown message role: ").append(text));
}

MessageStatus statusFromString(const std::string &text)
{
    for (MessageStatus s :
         {MessageStatus::Streaming, MessageStatus::Complete, MessageStatus::Cancelled,
          MessageStatus::Failed, MessageStatus::Incomplete})
        if (text == toString(s))
            return s;
    throw std::invalid_argument(std::string("unknown message status: ").append(text));
}

} // namespace ec::history
