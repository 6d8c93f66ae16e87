#include "core/metric.h"

#include <gtest/gtest.h>

using namespace hearth::core;

TEST(Metric, NamesRoundTrip) {
  for (std::size_t i = 0; i < METRIC_COUNT; ++i) {
    const auto m = static_cast<Metric>(i);
    const auto back = metric_from_string(to_string(m));
    ASSERT_TRUE(back.has_value()) << to_string(m);
    EXPECT_EQ(*back, m);
  }
  EXPECT_FALSE(metric_from_string("power").has_value());
  EXPECT_EQ(to_string(Metric::online), "online");
  EXPECT_TRUE(is_boolean(Metric::contact_open));
  EXPECT_FALSE(is_boolean(Metric::power_w));
}
