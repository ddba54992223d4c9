<?php
/**
 * «Добавить в календарь». Variables: $ics (the signed .ics download), $google (Google Calendar's form).
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;
?>
<p class="whieda-calendar">
	<span class="whieda-calendar__label"><?php esc_html_e( 'Добавить в календарь:', 'whieda-bridge' ); ?></span>
	<a class="whieda-link whieda-calendar__ics" href="<?php echo esc_url( $ics ); ?>" download><?php esc_html_e( 'файл .ics (Apple, Outlook и другие)', 'whieda-bridge' ); ?></a>
	<a class="whieda-link whieda-calendar__google" href="<?php echo esc_url( $google ); ?>" target="_blank" rel="noopener"><?php esc_html_e( 'Google Календарь', 'whieda-bridge' ); ?><span class="screen-reader-text"> <?php esc_html_e( '(откроется в новой вкладке)', 'whieda-bridge' ); ?></span></a>
</p>
