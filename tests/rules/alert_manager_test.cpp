#include "rules/alert_manager.h"

#include <gtest/gtest.h>

#include "rules_test_support.h"

using namespace hearth::rules;
using hearth::core::AlertState;
using hearth::core::Severity;
using sim::at;

namespace {

AlertCandidate cand(const std::string& id, double value = 1.0, Severity s = Severity::urgent) {
  AlertCandidate c;
  c.id = id;
  c.rule = id.substr(0, id.find(':'));
  c.kind = "threshold";
  c.severity = s;
  c.device_id = "dev";
  c.room = "Lounge";
  c.trigger_ts = at(1);
  c.message_key = "cold_home";
  c.evidence = {{"value", value}};
  return c;
}

}  // namespace

TEST(AlertManager, SameConditionIsNeverRaisedTwiceWhileOpen) {
  AlertManager m;
  auto e = m.raise(cand("cold_home:a"), at(1));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].type, AlertEventType::raised);
  EXPECT_EQ(e[0].alert.state, AlertState::raised);
  EXPECT_EQ(e[0].alert.raised_at, at(1));
  EXPECT_TRUE(m.raise(cand("cold_home:a"), at(2)).empty());  // nothing new
  e = m.raise(cand("cold_home:a", 2.0), at(3));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].type, AlertEventType::updated);
  EXPECT_EQ(e[0].alert.evidence.at("value"), 2.0);
  EXPECT_EQ(e[0].alert.raised_at, at(1));
  EXPECT_EQ(m.open_alerts().size(), 1u);
}

TEST(AlertManager, ClearResolvesBySystemAndKeepsHistory) {
  AlertManager m;
  (void)m.raise(cand("x:a"), at(1));
  auto e = m.clear("x:a", at(2));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].type, AlertEventType::resolved);
  EXPECT_EQ(e[0].alert.resolved_by, "system");
  EXPECT_EQ(e[0].alert.resolved_at, at(2));
  EXPECT_EQ(m.find_open("x:a"), nullptr);
  ASSERT_EQ(m.history().size(), 1u);
  EXPECT_TRUE(m.clear("x:a", at(3)).empty());         // already closed
  EXPECT_TRUE(m.clear("never:open", at(3)).empty());  // unknown id is harmless
}

TEST(AlertManager, FlappingReopensTheSameAlertWithinReraiseAfter) {
  AlertManager m;  // reraise_after 10 min
  (void)m.raise(cand("x:a"), at(1));
  (void)m.acknowledge("x:a", "Sian", "on my way", at(1, 2));
  (void)m.clear("x:a", at(1, 5));
  auto e = m.raise(cand("x:a"), at(1, 12));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].type, AlertEventType::reopened);
  EXPECT_EQ(e[0].alert.raised_at, at(1));
  EXPECT_EQ(e[0].alert.flap_count, 1u);
  EXPECT_EQ(e[0].alert.state, AlertState::acknowledged);  // the carer is already on it: no new page
  EXPECT_FALSE(e[0].alert.resolved_at.has_value());
  // Cleared for longer than reraise_after: a new occurrence.
  (void)m.clear("x:a", at(1, 20));
  e = m.raise(cand("x:a"), at(1, 31));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].type, AlertEventType::raised);
  EXPECT_EQ(e[0].alert.raised_at, at(1, 31));
  EXPECT_EQ(e[0].alert.flap_count, 0u);
}

TEST(AlertManager, NotifyAcknowledgeResolveRecordWhoAndWhen) {
  AlertManager m;
  (void)m.raise(cand("x:a"), at(1));
  auto n = m.mark_notified("x:a", at(1, 1));
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->alert.state, AlertState::notified);
  auto a = m.acknowledge("x:a", "Sian", "phoned her", at(1, 3));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->type, AlertEventType::acknowledged);
  EXPECT_EQ(a->alert.acknowledged_by, "Sian");
  EXPECT_EQ(a->alert.ack_note, "phoned her");
  EXPECT_EQ(a->alert.acknowledged_at, at(1, 3));
  EXPECT_FALSE(m.acknowledge("x:a", "Tom", "", at(1, 4)).has_value());  // already acknowledged
  EXPECT_FALSE(m.acknowledge("nope", "Tom", "", at(1, 4)).has_value());
  EXPECT_FALSE(m.resolve("x:a", "", "", at(1, 4)).has_value());  // who is required
  auto r = m.resolve("x:a", "Sian", "heating back on", at(1, 30));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->alert.state, AlertState::resolved);
  EXPECT_EQ(r->alert.resolved_by, "Sian");
  EXPECT_EQ(r->alert.resolve_note, "heating back on");
}

TEST(AlertManager, CarerResolvedConditionIsNotReraisedUntilItClearsAndComesBack) {
  AlertManager m;
  (void)m.raise(cand("x:a"), at(1));
  (void)m.resolve("x:a", "Sian", "known, heating engineer booked", at(1, 5));
  EXPECT_TRUE(m.raise(cand("x:a"), at(2)).empty());
  EXPECT_TRUE(m.raise(cand("x:a", 3.0), at(5)).empty());
  EXPECT_TRUE(m.clear("x:a", at(6)).empty());  // condition ended: nothing open, suppression lifted
  auto e = m.raise(cand("x:a"), at(8));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].type, AlertEventType::raised);
}

TEST(AlertManager, LatchingEventsRaiseAgainAfterACarerResolves) {
  AlertManager m;
  auto c = cand("night_door:d");
  c.latching = true;
  (void)m.raise(c, at(1));
  (void)m.resolve("night_door:d", "Sian", "", at(1, 10));
  EXPECT_EQ(m.raise(c, at(3)).size(), 1u);
}

TEST(AlertManager, RestoredAlertsStayOpenAndAreNotRaisedAgain) {
  AlertManager first;
  auto raised = first.raise(cand("x:a"), at(1))[0].alert;
  (void)first.mark_notified("x:a", at(1, 1));
  AlertManager second;  // after a restart
  second.restore({*first.find_open("x:a"), raised /* duplicate id */});
  ASSERT_NE(second.find_open("x:a"), nullptr);
  EXPECT_EQ(second.find_open("x:a")->state, AlertState::notified);
  EXPECT_TRUE(second.raise(cand("x:a"), at(3)).empty());
  EXPECT_EQ(second.open_alerts().size(), 1u);
}

TEST(AlertManager, BoundedOpenAlertsAndHistory) {
  AlertManager m({.reraise_after = std::chrono::minutes{10}, .max_open = 2, .max_history = 2});
  (void)m.raise(cand("a:1", 1, Severity::info), at(1));
  (void)m.raise(cand("a:2", 1, Severity::urgent), at(2));
  EXPECT_TRUE(m.raise(cand("a:3", 1, Severity::info), at(3)).empty());  // not more severe: dropped
  EXPECT_EQ(m.dropped(), 1u);
  auto e = m.raise(cand("a:4", 1, Severity::emergency), at(4));  // evicts the info alert, reports it
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].type, AlertEventType::resolved);
  EXPECT_EQ(e[0].alert.id, "a:1");
  EXPECT_EQ(e[0].alert.resolved_by, "system:overflow");
  EXPECT_EQ(e[1].alert.id, "a:4");
  for (int i = 0; i < 5; ++i) (void)m.clear(i % 2 ? "a:2" : "a:4", at(5 + i));
  EXPECT_LE(m.history().size(), 2u);
}
