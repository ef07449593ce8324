// Recordings shared between whoever checks them and whoever runs them. The workbench reads a
// recording once to say what it holds (File > Open recording), and the run then opened the same
// path and read it all again: seconds more for a recording of a few gigabytes, and twice its
// memory while the check's copy lived. Here a read recording is found again by its files (path,
// inode, size, modification time) as long as someone still holds it; nothing here keeps one
// alive. A file rewritten in place to the same size within one tick of the file clock would
// pass for unchanged: recorders write new files, so that is left.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/imports/imported_routing.h"

namespace moe {

// importRouting(paths, topK), or the routing an earlier call read from the same unchanged files
// with the same topK if anyone still holds it. Throws what importRouting throws.
std::shared_ptr<const ImportedRouting> importRoutingShared(const std::vector<std::string>& paths,
                                                           int topK = 0);

}  // namespace moe
