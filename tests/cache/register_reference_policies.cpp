// The suites of test_cache build the lab's reference-code policies by name, as elastic-lab does.
#include "lab/reference_policies/reference_policies.h"

namespace {
const bool registered = (ec::cache::registerReferencePolicies(), true);
} // namespace
