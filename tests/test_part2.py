"""Emptied by the move to topic modules (issue 12): the chapter 4-6 tests are in tests/book/
(test_gates.py, test_state_growth.py, test_lstm_gradient_flow.py, test_peephole_timing.py) and
PulseTiming's in tests/test_tasks.py. The lead deletes this file."""
