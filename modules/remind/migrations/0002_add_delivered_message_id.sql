-- remind: a delivered reminder carries ⏰ Snooze / ✅ Done buttons; a press
-- acts only on the delivery whose message it was pressed on. Additive: code
-- that does not know the column keeps working.
ALTER TABLE remind_reminders ADD COLUMN delivered_message_id INTEGER; -- sendMessage's message_id
