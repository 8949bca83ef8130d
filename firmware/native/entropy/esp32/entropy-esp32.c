/*
 * The ESP32's hardware RNG with its entropy source switched on for the call.
 *
 * ESP-IDF documents esp_random() and esp_fill_random() as true random only while the RF
 * subsystem (Wi-Fi, Bluetooth) is on, or while an internal entropy source enabled by
 * bootloader_random_enable() has not yet been disabled; otherwise the output "should be
 * considered pseudo-random only" (ESP-IDF Programming Guide, Random Number Generation). This
 * firmware runs with both radios off, so each fill enables the internal source (SAR ADC
 * noise), reads, and disables it again before returning. bootloader_random.h warns that the
 * source is not safe while any other subsystem uses the RF subsystem or the ADC, and that it
 * must be disabled before the ADC or (on the ESP32) I2S is used: the XS task is the only user
 * of the ADC here (the battery, through the SDK's embedded:io/analog, whose adc_oneshot_read
 * sets the channel up again on every read), and it cannot read the battery in the middle of
 * this call. Nothing in the firmware uses I2S, Wi-Fi or Bluetooth.
 *
 * Not compiled on the machine where it was written (no ESP-IDF there): README.md says what
 * was checked and what was not.
 */

#include "xsmc.h"
#include "xsHost.h"

#include "esp_random.h"
#include "bootloader_random.h"

void xs_entropy_fill(xsMachine *the)
{
	void *data;
	xsUnsignedValue count;
	xsmcGetBufferWritable(xsArg(0), &data, &count);
	if (count == 0)
		return;
	bootloader_random_enable();
	esp_fill_random(data, count);
	bootloader_random_disable();
}

void xs_entropy_source(xsMachine *the)
{
	xsmcSetString(xsResult, "esp_fill_random, SAR ADC entropy source on (bootloader_random_enable)");
}
