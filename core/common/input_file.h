// The check every reader of a user's file makes before opening it: it must exist and be a
// regular file. A FIFO given as a trace, sidecar or CSV blocked the reader forever on open,
// and a directory read as an empty file ("lacks layers", "empty file"); both are now one clear
// message naming the file.
#pragma once

#include <string>

namespace moe {

// Throws moe::Error "PATH: cannot open WHAT: no such file | it is a directory | not a regular
// file (a FIFO, socket or device)".
void requireRegularFile(const std::string& path, const std::string& what);

}  // namespace moe
