"""Liveness, the detailed health report, and the operator's figures: the success metrics and
the incidents (5xx answers) every worker stores."""
