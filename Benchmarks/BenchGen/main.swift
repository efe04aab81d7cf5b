import VantageCapture
import VantageWire

print("vantage-benchgen: not built yet")
