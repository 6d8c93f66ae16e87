#pragma once
#include <memory>

#include "drivers/driver.h"
#include "drivers/driver_options.h"

namespace hearth::drivers {

std::unique_ptr<Driver> make_esphome_driver(const DriverOptions& options);

}  // namespace hearth::drivers
