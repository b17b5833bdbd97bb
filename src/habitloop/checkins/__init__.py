"""Daily check-ins and the energy mode they give."""
