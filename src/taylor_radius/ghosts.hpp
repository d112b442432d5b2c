// The zeros of F nearest the origin (the "ghosts"), for plots: found in double from many
// starting points, each then isolated by the interval Newton test, and, when asked, checked
// for completeness against the argument-principle count in the disc.
#pragma once

#include <cstddef>
#include <vector>

#include "taylor_radius/certify.hpp"
#include "taylor_radius/line.hpp"

namespace softcheck::taylor_radius {

struct GhostList {
  std::vector<Ghost> zeros;  // certified zeros with |t| <= radius, by modulus; conjugates included
  bool complete = false;     // the disc holds exactly these zeros (argument principle)
};

GhostList find_ghosts(const Line& line, double radius, const CertifyOptions& options = {});

}  // namespace softcheck::taylor_radius
