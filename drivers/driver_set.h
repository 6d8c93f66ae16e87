#pragma once
// The explicit, ordered list of enabled drivers and the dispatch of one message to them.
// Order matters where topics overlap: HA discovery claims the state topics it has learned
// before the ESPHome driver falls back to guessing from topic names.
#include <memory>
#include <string>
#include <vector>

#include "drivers/driver.h"
#include "drivers/driver_options.h"

namespace hearth::drivers {

struct Dispatch {
  std::string_view driver;  // empty when no driver claimed the topic
  Decoded decoded;
};

class DriverSet {
 public:
  explicit DriverSet(std::vector<std::unique_ptr<Driver>> drivers);
  // Every built-in driver, in dispatch order.
  static DriverSet make_default(const DriverOptions& options);

  std::vector<std::string> subscriptions() const;
  Dispatch decode(const Message& msg);
  std::optional<Outbound> relay_command(std::string_view device_id, bool on) const;
  const std::vector<std::unique_ptr<Driver>>& drivers() const { return drivers_; }

 private:
  std::vector<std::unique_ptr<Driver>> drivers_;
};

}  // namespace hearth::drivers
