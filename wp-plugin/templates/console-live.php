<?php
/**
 * The console's live counts. Variables: $view (see Whieda_Console_Live::render_block()).
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

$counts = $view['counts'];
?>
<section class="whieda-console__people" data-whieda-live data-url="<?php echo esc_url( $view['url'] ); ?>"
	data-nonce="<?php echo esc_attr( $view['nonce'] ); ?>" data-poll="<?php echo esc_attr( (string) $view['poll'] ); ?>"
	aria-labelledby="whieda-console-people">
	<h3 id="whieda-console-people"><?php esc_html_e( 'Участники', 'whieda-bridge' ); ?></h3>
	<dl class="whieda-console__counts">
		<div><dt><?php esc_html_e( 'В комнате сейчас', 'whieda-bridge' ); ?></dt><dd data-live="in_room"><?php echo esc_html( number_format_i18n( $counts['in_room'] ) ); ?></dd></div>
		<div><dt><?php esc_html_e( 'Записались', 'whieda-bridge' ); ?></dt><dd data-live="registered"><?php echo esc_html( number_format_i18n( $counts['registered'] ) ); ?></dd></div>
		<div><dt><?php esc_html_e( 'Заходили', 'whieda-bridge' ); ?></dt><dd data-live="entered"><?php echo esc_html( number_format_i18n( $counts['entered'] ) ); ?></dd></div>
	</dl>
	<p class="whieda-empty" data-live-empty<?php echo $counts['in_room'] ? ' hidden' : ''; ?>><?php esc_html_e( 'В комнате сейчас никого нет.', 'whieda-bridge' ); ?></p>
	<ul class="whieda-console__present" data-live-list aria-label="<?php esc_attr_e( 'Кто в комнате и с какого времени', 'whieda-bridge' ); ?>">
		<?php foreach ( $counts['people'] as $person ) : ?>
			<li><span class="whieda-console__name"><?php echo esc_html( $person['name'] ); ?></span> <span class="whieda-hint"><?php echo esc_html( sprintf( /* translators: %s: time. */ __( 'с %s', 'whieda-bridge' ), $person['since'] ) ); ?></span></li>
		<?php endforeach; ?>
	</ul>
	<p class="whieda-hint" data-live-more<?php echo $counts['more'] ? '' : ' hidden'; ?>><?php echo esc_html( sprintf( /* translators: %s: number of people. */ __( 'и ещё %s', 'whieda-bridge' ), number_format_i18n( $counts['more'] ) ) ); ?></p>
	<p class="whieda-hint" data-live-offline hidden role="status"><?php esc_html_e( 'Нет связи с сайтом: числа могут быть устаревшими.', 'whieda-bridge' ); ?></p>
	<?php /* translators: %s: time (data-since) or number of people (data-more), filled in by the script. */ ?>
	<template data-live-texts data-since="<?php esc_attr_e( 'с %s', 'whieda-bridge' ); ?>" data-more="<?php esc_attr_e( 'и ещё %s', 'whieda-bridge' ); ?>"></template>
</section>
