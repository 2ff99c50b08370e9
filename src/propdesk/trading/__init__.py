"""Trading as the gateways see it: commands to the engine, reads of orders and positions."""
