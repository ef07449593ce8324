// The message of the moe::Error a call throws, for tests that check what a user would read;
// "no error" when it throws none (any other exception fails the test by escaping).
#pragma once

#include <string>

#include "core/common/error.h"

namespace moe::test {

template <typename F>
std::string errorOf(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace moe::test
