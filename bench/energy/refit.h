#pragma once
// The REFIT House 2 excerpt in $HEARTH_SHARED/datasets/refit_house2 (CC BY 4.0; Murray, Stankovic
// & Stankovic, Scientific Data 4, 160122 (2017), doi:10.1038/sdata.2016.122). The file stays
// there; this reads it.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"

namespace hearth::bench::energy {

inline constexpr const char* REFIT_1MIN = "refit_house2/refit_house2_1min_2014-04-14_to_2014-04-27.csv";

// One 1-minute bin: mean power over [unix_s, unix_s + 60). Gap rows are zero-filled in the source.
struct MinuteRow {
  std::int64_t unix_s = 0;
  std::array<double, 5> w{};  // aggregate, kettle, dishwasher, washing machine, microwave
  bool gap = false;
};

inline constexpr std::array<const char*, 5> REFIT_CHANNELS = {"aggregate", "kettle", "dishwasher", "washing_machine",
                                                              "microwave"};

core::Result<std::vector<MinuteRow>> load_refit_1min(const std::filesystem::path& datasets_dir);

}  // namespace hearth::bench::energy
